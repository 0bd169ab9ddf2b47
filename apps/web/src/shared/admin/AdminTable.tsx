/**
 * The lists of the admin screens with their states: the failure, "Loading…" until the
 * first page, the empty text, the rows (a table on a wide screen, cards on a phone: see
 * DataTable) or items, and "Load more" while the cursor has another page.
 */
import type { ReactNode } from 'react';
import { Empty, ErrorMessage, Loading } from '../ui/components';
import { DataTable, LoadMore, type Column } from '../ui/DataTable';

interface ListStates {
  /** Undefined while the first page loads. */
  error?: unknown;
  empty: ReactNode;
  hasMore?: boolean;
  onLoadMore?: () => void;
}

function States<T>({
  rows,
  error,
  empty,
  hasMore,
  onLoadMore,
  children,
}: ListStates & { rows: readonly T[] | undefined; children: ReactNode }) {
  return (
    <>
      <ErrorMessage error={error} />
      {rows === undefined && !error ? <Loading /> : null}
      {rows !== undefined && rows.length === 0 && empty ? <Empty>{empty}</Empty> : null}
      {rows !== undefined && rows.length > 0 ? children : null}
      {onLoadMore ? <LoadMore hasMore={Boolean(hasMore)} onLoadMore={onLoadMore} /> : null}
    </>
  );
}

export function AdminTable<T>({
  rows,
  columns,
  rowKey,
  rowProps,
  testId,
  caption,
  ...states
}: ListStates & {
  rows: readonly T[] | undefined;
  columns: readonly (Column<T> | false | null)[];
  rowKey: (row: T) => string;
  rowProps?: (row: T) => Record<string, string | undefined>;
  testId?: string;
  caption?: string;
}) {
  return (
    <States rows={rows} {...states}>
      <DataTable
        rows={rows ?? []}
        columns={columns}
        rowKey={rowKey}
        rowProps={rowProps}
        testId={testId}
        caption={caption}
      />
    </States>
  );
}

/** The same states around a plain list (channels, webhooks, keys, units). */
export function AdminList<T>({
  items,
  itemKey,
  renderItem,
  label,
  className,
  ...states
}: ListStates & {
  items: readonly T[] | undefined;
  itemKey: (item: T) => string;
  /** The item's <li>: its content and attributes. */
  renderItem: (item: T) => { content: ReactNode; props?: Record<string, string | undefined> };
  label?: string;
  className?: string;
}) {
  return (
    <States rows={items} {...states}>
      <ul className={className ? `plain-list ${className}` : 'plain-list'} aria-label={label}>
        {(items ?? []).map((item) => {
          const { content, props } = renderItem(item);
          return (
            <li key={itemKey(item)} {...props}>
              {content}
            </li>
          );
        })}
      </ul>
    </States>
  );
}
