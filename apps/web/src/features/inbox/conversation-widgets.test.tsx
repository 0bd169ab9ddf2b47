import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { I18nProvider } from '../../shared/i18n/i18n';
import { message } from '../../test-support/fixtures';
import { Composer } from './Composer';
import { CloseDialog } from './conversation-dialogs';
import { MessageList } from './MessageList';

const CONVERSATION = '00000000-0000-4000-8000-00000000aaaa';

describe('Composer', () => {
  afterEach(() => cleanup());

  it('sends on Enter, breaks the line on Shift+Enter, and signals typing', async () => {
    const onSend = vi.fn(async () => undefined);
    const sendTyping = vi.fn();
    render(
      <I18nProvider locale="en">
        <Composer conversationId={CONVERSATION} canWrite onSend={onSend} sendTyping={sendTyping} />
      </I18nProvider>,
    );
    const box = screen.getByTestId<HTMLTextAreaElement>('composer');
    fireEvent.change(box, { target: { value: 'Olá, Maria' } });
    expect(sendTyping).toHaveBeenLastCalledWith(true);
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(onSend).toHaveBeenCalledWith('Olá, Maria'));
    expect(sendTyping).toHaveBeenLastCalledWith(false);
    await waitFor(() => expect(box.value).toBe(''));
  });

  it('keeps the text and shows the error when sending fails', async () => {
    const onSend = vi.fn(async () => {
      throw new Error('boom');
    });
    render(
      <I18nProvider locale="en">
        <Composer conversationId={CONVERSATION} canWrite onSend={onSend} sendTyping={() => undefined} />
      </I18nProvider>,
    );
    const box = screen.getByTestId<HTMLTextAreaElement>('composer');
    fireEvent.change(box, { target: { value: 'Oi' } });
    fireEvent.click(screen.getByTestId('send'));
    expect((await screen.findByRole('alert')).textContent).toBe('Something went wrong. Try again.');
    expect(box.value).toBe('Oi');
  });

  it('asks to take the conversation before writing', () => {
    render(
      <I18nProvider locale="pt-BR">
        <Composer
          conversationId={CONVERSATION}
          canWrite={false}
          onSend={async () => undefined}
          sendTyping={() => undefined}
        />
      </I18nProvider>,
    );
    const box = screen.getByTestId<HTMLTextAreaElement>('composer');
    expect(box.disabled).toBe(true);
    expect(box.placeholder).toBe('Assuma a conversa para responder');
  });
});

describe('CloseDialog', () => {
  afterEach(() => cleanup());

  it('closes with the rating and the feedback given', async () => {
    const onSubmit = vi.fn(async () => undefined);
    render(
      <I18nProvider locale="en">
        <CloseDialog isOpen onClose={() => undefined} onSubmit={onSubmit} />
      </I18nProvider>,
    );
    fireEvent.click(screen.getByTestId('rating-4'));
    fireEvent.change(screen.getByTestId('close-feedback'), { target: { value: '  Resolvido rápido  ' } });
    fireEvent.click(screen.getByTestId('close-submit'));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledWith({ rating: 4, feedback: 'Resolvido rápido' }));
  });

  it('closes without a rating when none is chosen', async () => {
    const onSubmit = vi.fn(async () => undefined);
    render(
      <I18nProvider locale="en">
        <CloseDialog isOpen onClose={() => undefined} onSubmit={onSubmit} />
      </I18nProvider>,
    );
    fireEvent.click(screen.getByTestId('close-submit'));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledWith({}));
  });
});

describe('MessageList', () => {
  afterEach(() => cleanup());

  it('shows delivery ticks on outbound messages only, and a failure reason', () => {
    render(
      <I18nProvider locale="en">
        <MessageList
          meId="me"
          hasOlder
          onLoadOlder={() => undefined}
          messages={[
            message({ conversation_id: CONVERSATION, text: 'Oi' }),
            message({
              conversation_id: CONVERSATION,
              direction: 'outbound',
              author_type: 'agent',
              status: 'read',
              text: 'Olá',
            }),
            message({
              conversation_id: CONVERSATION,
              direction: 'outbound',
              author_type: 'agent',
              status: 'failed',
              failure_reason: 'Recipient not on WhatsApp',
              text: 'Alô',
            }),
          ]}
        />
      </I18nProvider>,
    );
    const ticks = screen.getAllByTestId('tick').map((tick) => tick.getAttribute('data-status'));
    expect(ticks).toEqual(['read', 'failed']);
    expect(screen.getByText('Recipient not on WhatsApp')).toBeTruthy();
    expect(screen.getByTestId('load-older')).toBeTruthy();
  });
});
