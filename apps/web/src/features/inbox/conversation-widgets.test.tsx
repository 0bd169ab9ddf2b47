import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { CannedResponseDto, MessageDto } from '@switchboard/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../shared/api/api-error';
import { I18nProvider } from '../../shared/i18n/i18n';
import { message } from '../../test-support/fixtures';
import { Composer } from './Composer';
import { CloseDialog } from './conversation-dialogs';
import { MessageList } from './MessageList';
import { MessageMedia } from './MessageMedia';

const CONVERSATION = '00000000-0000-4000-8000-00000000aaaa';

const noMedia = {
  media: () => Promise.reject(new Error('no media here')),
  retryMedia: () => Promise.reject(new Error('no media here')),
};

const photo = (overrides: Partial<NonNullable<MessageDto['media']>> = {}): NonNullable<MessageDto['media']> => ({
  kind: 'image',
  media_id: '1013859600285441',
  mime_type: 'image/jpeg',
  caption: 'Comprovante',
  filename: null,
  sha256: null,
  status: 'stored',
  size_bytes: 4,
  url: `/api/conversations/${CONVERSATION}/messages/m1/media`,
  failure_reason: null,
  ...overrides,
});

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

  it('attaches the file of a canned response picked with / and sends it with the text as its caption', async () => {
    const promo: CannedResponseDto = {
      id: '00000000-0000-4000-8000-0000000000c1',
      scope: 'company',
      owner_id: null,
      shortcut: 'promo',
      body: 'Olá {{contact.first_name}}, veja a promoção!',
      attachment: { kind: 'image', mime_type: 'image/png', filename: 'promo.png', size_bytes: 2500 },
      created_at: '2026-12-03T10:00:00.000Z',
      updated_at: '2026-12-03T10:00:00.000Z',
    };
    const onSend = vi.fn(async () => undefined);
    const onSendFile = vi.fn(async (_file: File, _caption: string) => undefined);
    render(
      <I18nProvider locale="pt-BR">
        <Composer
          conversationId={CONVERSATION}
          canWrite
          onSend={onSend}
          onSendFile={onSendFile}
          sendTyping={() => undefined}
          variables={{ contactName: 'Maria Souza', contactPhone: null, agentName: 'Ana' }}
          loadCanned={async () => [promo]}
          loadCannedFile={async (c) =>
            new File([new Uint8Array(2500)], c.attachment?.filename ?? '', { type: 'image/png' })
          }
        />
      </I18nProvider>,
    );
    const box = screen.getByTestId<HTMLTextAreaElement>('composer');
    fireEvent.change(box, { target: { value: '/pro', selectionStart: 4 } });
    await screen.findByTestId('canned-option');
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(box.value).toBe('Olá Maria, veja a promoção!'));
    await waitFor(() => expect(screen.getByTestId('composer-attachment').textContent).toContain('promo.png'));
    expect(screen.getByTestId('composer-attachment').textContent).toContain('2.5 kB');
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(onSendFile).toHaveBeenCalledTimes(1));
    const [file, caption] = onSendFile.mock.calls[0]!;
    expect([file.name, file.type, file.size, caption]).toEqual([
      'promo.png',
      'image/png',
      2500,
      'Olá Maria, veja a promoção!',
    ]);
    expect(onSend).not.toHaveBeenCalled();
    await waitFor(() => expect(screen.queryByTestId('composer-attachment')).toBeNull());
  });

  it('sends the text alone once the canned response’s file is removed', async () => {
    const promo: CannedResponseDto = {
      id: '00000000-0000-4000-8000-0000000000c2',
      scope: 'personal',
      owner_id: '00000000-0000-4000-8000-0000000000b1',
      shortcut: 'doc',
      body: 'Segue o documento.',
      attachment: { kind: 'document', mime_type: 'application/pdf', filename: 'doc.pdf', size_bytes: 10 },
      created_at: '2026-12-03T10:00:00.000Z',
      updated_at: '2026-12-03T10:00:00.000Z',
    };
    const onSend = vi.fn(async () => undefined);
    const onSendFile = vi.fn(async () => undefined);
    render(
      <I18nProvider locale="en">
        <Composer
          conversationId={CONVERSATION}
          canWrite
          onSend={onSend}
          onSendFile={onSendFile}
          sendTyping={() => undefined}
          loadCanned={async () => [promo]}
          loadCannedFile={async () => new File(['%PDF-'], 'doc.pdf', { type: 'application/pdf' })}
        />
      </I18nProvider>,
    );
    const box = screen.getByTestId<HTMLTextAreaElement>('composer');
    fireEvent.change(box, { target: { value: '/doc', selectionStart: 4 } });
    await screen.findByTestId('canned-option');
    fireEvent.keyDown(box, { key: 'Enter' });
    await screen.findByText(/doc\.pdf/);
    fireEvent.click(screen.getByTestId('composer-attachment-remove'));
    expect(screen.queryByTestId('composer-attachment')).toBeNull();
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(onSend).toHaveBeenCalledWith('Segue o documento.'));
    expect(onSendFile).not.toHaveBeenCalled();
  });

  it('attaches a file dropped on the composer or pasted into it and sends it with the text', async () => {
    const onSendFile = vi.fn(async (_file: File, _caption: string) => undefined);
    render(
      <I18nProvider locale="en">
        <Composer
          conversationId={CONVERSATION}
          canWrite
          onSend={async () => undefined}
          onSendFile={onSendFile}
          sendTyping={() => undefined}
        />
      </I18nProvider>,
    );
    const box = screen.getByTestId<HTMLTextAreaElement>('composer');
    const dropped = new File(['%PDF-1.7'], 'pedido.pdf', { type: 'application/pdf' });
    fireEvent.drop(box.closest('form')!, { dataTransfer: { files: [dropped], types: ['Files'] } });
    expect(screen.getByTestId('composer-attachment').textContent).toContain('pedido.pdf');
    const pasted = new File([new Uint8Array(10)], 'print.png', { type: 'image/png' });
    fireEvent.paste(box, { clipboardData: { files: [pasted] } });
    expect(screen.getByTestId('composer-attachment').textContent).toContain('print.png');
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(onSendFile).toHaveBeenCalledTimes(1));
    expect(onSendFile.mock.calls[0]![0].name).toBe('print.png');
    expect(onSendFile.mock.calls[0]![1]).toBe('');
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

  it('shows delivery ticks on outbound messages only, and a failure in the agent’s language', () => {
    render(
      <I18nProvider locale="pt-BR">
        <MessageList
          meId="me"
          contactName="Maria Souza"
          agentNames={{}}
          conversationId={CONVERSATION}
          conversations={noMedia}
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
              failure_reason: 'WhatsApp unreachable: fetch failed (after 4 attempts)',
              text: 'Alô',
            }),
          ]}
        />
      </I18nProvider>,
    );
    const ticks = screen.getAllByTestId('tick').map((tick) => tick.getAttribute('data-status'));
    expect(ticks).toEqual(['read', 'failed']);
    expect(screen.getByTestId('failure-reason').textContent).toBe(
      'Não enviada: Não foi possível falar com o WhatsApp.',
    );
    expect(screen.queryByText(/fetch failed/)).toBeNull();
    expect(screen.getByTestId('load-older')).toBeTruthy();
    // One customer group, then one group of the agent's two replies, each named once.
    expect(screen.getAllByTestId('message-author').map((author) => author.textContent)).toEqual([
      'Maria Souza',
      'Atendente',
    ]);
    expect(screen.getAllByTestId('day-separator')).toHaveLength(1);
    expect(screen.queryByTestId('retry-message')).toBeNull();
  });

  it('sends a failed message again from its retry button, and shows why a retry was refused', async () => {
    const onRetry = vi.fn(async () => {
      throw new ApiError(409, 'message.not_failed', 'conflict');
    });
    const failed = message({
      conversation_id: CONVERSATION,
      direction: 'outbound',
      author_type: 'agent',
      author_id: 'me',
      status: 'failed',
      failure_reason: 'WhatsApp refused (HTTP 400): 131047 Re-engagement message',
    });
    render(
      <I18nProvider locale="en">
        <MessageList
          meId="me"
          contactName={null}
          agentNames={{}}
          conversationId={CONVERSATION}
          conversations={noMedia}
          hasOlder={false}
          onLoadOlder={() => undefined}
          messages={[failed]}
          onRetry={onRetry}
        />
      </I18nProvider>,
    );
    expect(screen.getByTestId('message-author').textContent).toBe('You');
    expect(screen.getByTestId('failure-reason').textContent).toMatch(/More than 24 hours/);
    fireEvent.click(screen.getByTestId('retry-message'));
    await waitFor(() => expect(onRetry).toHaveBeenCalledWith(failed.id));
    await waitFor(() => expect(screen.getByText('Only a message that failed can be sent again.')).toBeTruthy());
  });
});

describe('MessageMedia', () => {
  afterEach(() => {
    cleanup();
    vi.restoreAllMocks();
  });

  it('fetches a stored photo with the session and shows it from a blob URL, revoked on unmount', async () => {
    const created = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:photo');
    const revoked = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const media = vi.fn(async () => new Blob([new Uint8Array([1, 2, 3, 4])], { type: 'image/jpeg' }));
    const view = render(
      <I18nProvider locale="en">
        <MessageMedia
          media={photo()}
          conversationId={CONVERSATION}
          messageId="m1"
          conversations={{ media, retryMedia: noMedia.retryMedia }}
        />
      </I18nProvider>,
    );
    const image = await screen.findByTestId<HTMLImageElement>('media-image');
    expect(image.getAttribute('src')).toBe('blob:photo');
    expect(image.getAttribute('alt')).toBe('Comprovante');
    expect(media).toHaveBeenCalledWith(`/api/conversations/${CONVERSATION}/messages/m1/media`, expect.any(AbortSignal));
    expect(created).toHaveBeenCalledTimes(1);
    view.unmount();
    expect(revoked).toHaveBeenCalledWith('blob:photo');
  });

  it('says a file is being fetched, and does not ask for it yet', () => {
    const media = vi.fn();
    render(
      <I18nProvider locale="pt-BR">
        <MessageMedia
          media={photo({ status: 'pending', url: null, size_bytes: null })}
          conversationId={CONVERSATION}
          messageId="m1"
          conversations={{ media, retryMedia: noMedia.retryMedia }}
        />
      </I18nProvider>,
    );
    expect(screen.getByTestId('media').textContent).toContain('buscando o arquivo');
    expect(media).not.toHaveBeenCalled();
  });

  it('says why a file could not be fetched and asks the server to try again', async () => {
    const retryMedia = vi.fn(async () => ({}) as MessageDto);
    render(
      <I18nProvider locale="en">
        <MessageMedia
          media={photo({ status: 'failed', url: null, failure_reason: 'WhatsApp refused the media lookup (HTTP 400)' })}
          conversationId={CONVERSATION}
          messageId="m1"
          conversations={{ media: noMedia.media, retryMedia }}
        />
      </I18nProvider>,
    );
    expect(screen.getByTestId('media').textContent).toContain('WhatsApp refused the media lookup (HTTP 400)');
    fireEvent.click(screen.getByTestId('media-retry'));
    await waitFor(() => expect(retryMedia).toHaveBeenCalledWith(CONVERSATION, 'm1'));
  });

  it('offers a document for download under its own name', async () => {
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:doc');
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    render(
      <I18nProvider locale="en">
        <MessageMedia
          media={photo({ kind: 'document', mime_type: 'application/pdf', filename: 'boleto.pdf', caption: null })}
          conversationId={CONVERSATION}
          messageId="m1"
          conversations={{ media: async () => new Blob(['%PDF']), retryMedia: noMedia.retryMedia }}
        />
      </I18nProvider>,
    );
    const link = await screen.findByTestId<HTMLAnchorElement>('media-download');
    expect(link.getAttribute('download')).toBe('boleto.pdf');
    expect(link.getAttribute('href')).toBe('blob:doc');
  });

  it('waits for a click before fetching a large video, and says how large it is', async () => {
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:video');
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    const media = vi.fn(async () => new Blob([new Uint8Array(8)], { type: 'video/mp4' }));
    render(
      <I18nProvider locale="en">
        <MessageMedia
          media={photo({ kind: 'video', mime_type: 'video/mp4', caption: null, size_bytes: 12_400_000 })}
          conversationId={CONVERSATION}
          messageId="m1"
          conversations={{ media, retryMedia: noMedia.retryMedia }}
        />
      </I18nProvider>,
    );
    const load = screen.getByTestId('media-load');
    expect(load.textContent).toContain('11.8 MB');
    expect(media).not.toHaveBeenCalled();
    fireEvent.click(load);
    const video = await screen.findByTestId<HTMLVideoElement>('media-video');
    expect(video.getAttribute('src')).toBe('blob:video');
    expect(media).toHaveBeenCalledTimes(1);
  });
});
