/** The admin screens' building blocks: lists with their states, forms, fields and dialogs. */
import './admin.css';

export { AdminForm } from './AdminForm';
export { AdminList, AdminTable } from './AdminTable';
export { ConfirmDialog, FormDialog, useConfirm, type ConfirmRequest } from './dialogs';
export { CheckboxField, CheckboxGroup, FieldError, SelectField, TextAreaField, TextField, type Option } from './fields';
export { useActions, useResourceList, type Actions, type ResourceList } from './use-resource';
export { issuesOf, useForm, type FieldErrors, type FormState } from './use-form';
