/**
 * One conversation: header with its actions (star, take, assign, back to the queue, close
 * with a rating, reopen, voice and video call), the thread paged upward, typing
 * indicators and the composer.
 */
import { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import {
  conversationPriorities,
  type ConversationDto,
  type ConversationEventDto,
  type MessageDto,
  type NoteDto,
} from '@switchboard/contracts';
import { hrefOf } from '../../app/router';
import {
  useApi,
  useCurrentUser,
  useRealtimeEvent,
  useServices,
  useSoftphone,
  useSoftphoneState,
} from '../../app/services';
import { ContactPanel, ContactPanelToggle, useContactPanel } from '../contacts/ContactPanel';
import { canPlaceCalls } from '../softphone/softphone-machine';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage, Loading } from '../../shared/ui/components';
import { AssignDialog, CloseDialog } from './conversation-dialogs';
import { conversationsApi, type ConversationCommand } from './conversations-api';
import { withFavorite } from './inbox-model';
import { withNotes } from './canned';
import { Composer } from './Composer';
import { LabelPicker } from './LabelPicker';
import { productivityApi } from './productivity-api';
import { MessageList } from './MessageList';
import { emptyThread, newestPageLoaded, threadReducer } from './thread-model';
import { useAgentNames } from './use-agent-names';
import { useUnownedConversationWatch } from './use-unowned-watch';
import { whatsappApi } from './whatsapp-api';
import { windowOf, WhatsAppTools } from './WhatsAppTools';

interface TypingEventData {
  conversation_id: string;
  agent_id: string;
  from: string;
  expires_at?: string;
}

export function ConversationView({
  conversationId,
  onChanged,
  onFavorite,
  showBack,
}: {
  conversationId: string;
  onChanged: (conversation: ConversationDto) => void;
  onFavorite: (conversationId: string, favorite: boolean) => void;
  showBack: boolean;
}) {
  const api = useApi();
  const { realtime } = useServices();
  const softphone = useSoftphone();
  const user = useCurrentUser();
  const contactPanel = useContactPanel();
  const { t } = useI18n();
  const conversations = useMemo(() => conversationsApi(api), [api]);
  const whatsapp = useMemo(() => whatsappApi(api), [api]);
  const [conversation, setConversation] = useState<ConversationDto | null>(null);
  const [thread, dispatch] = useReducer(threadReducer, emptyThread);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<'close' | 'assign' | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const isLoadingOlder = useRef(false);
  const agentNames = useAgentNames();
  const canCall = canPlaceCalls(useSoftphoneState());
  const productivity = useMemo(() => productivityApi(api), [api]);
  const [notes, setNotes] = useState<NoteDto[]>([]);
  const messages = useMemo(
    () => withNotes(thread.messages, notes, thread.olderCursor !== null),
    [thread.messages, notes, thread.olderCursor],
  );

  useEffect(() => {
    let isCurrent = true;
    setNotes([]);
    productivity.notes(conversationId).then(
      (items) => isCurrent && setNotes(items),
      () => undefined,
    );
    return () => {
      isCurrent = false;
    };
  }, [productivity, conversationId]);
  useRealtimeEvent<NoteDto>('note_created', ({ data }) => {
    if (data.conversation_id !== conversationId) return;
    setNotes((current) => (current.some((note) => note.id === data.id) ? current : [...current, data]));
  });

  useEffect(() => {
    const controller = new AbortController();
    dispatch({ type: 'reset', conversationId });
    setConversation(null);
    setError(null);
    Promise.all([
      conversations.get(conversationId, controller.signal),
      conversations.messages(conversationId, null, controller.signal),
    ]).then(
      ([loaded, page]) => {
        setConversation(loaded);
        dispatch(newestPageLoaded(conversationId, page));
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) setError(failure);
      },
    );
    return () => controller.abort();
  }, [conversations, conversationId]);

  useUnownedConversationWatch(user.role === 'agent' && conversation?.assignee_id === null, () => {
    Promise.all([
      conversations.get(conversationId),
      conversations.messages(conversationId, null),
      productivity.notes(conversationId),
    ]).then(
      ([loaded, page, items]) => {
        setConversation((current) => (current && current.updated_at > loaded.updated_at ? current : loaded));
        dispatch(newestPageLoaded(conversationId, page));
        setNotes(items);
        // The events still arrive: a failed refresh only misses what fell before the watch.
      },
      () => undefined,
    );
  });

  // Indicators nobody renewed or stopped (a lost event) fade out on their own.
  useEffect(() => {
    const timer = setInterval(() => dispatch({ type: 'typing_expired', now: Date.now() }), 2_000);
    return () => clearInterval(timer);
  }, []);

  useRealtimeEvent<MessageDto>(['message_created', 'message_status_changed', 'message_updated'], ({ data }) =>
    dispatch({ type: 'message_upserted', message: data }),
  );
  useRealtimeEvent<ConversationEventDto>(
    ['conversation_updated', 'conversation_assigned', 'conversation_closed'],
    ({ data }) => {
      if (data.id !== conversationId) return;
      setConversation((current) =>
        current && current.updated_at > data.updated_at ? current : withFavorite(data, current ?? undefined),
      );
    },
  );
  useRealtimeEvent<TypingEventData>('typing_start', ({ data }) => {
    if (data.agent_id === user.id) return;
    const until = data.expires_at ? Date.parse(data.expires_at) : Date.now() + 30_000;
    dispatch({
      type: 'typing_started',
      conversationId: data.conversation_id,
      agentId: data.agent_id,
      name: data.from,
      until,
    });
  });
  useRealtimeEvent<TypingEventData>('typing_stop', ({ data }) =>
    dispatch({ type: 'typing_stopped', conversationId: data.conversation_id, agentId: data.agent_id }),
  );

  const loadOlder = async () => {
    if (!thread.olderCursor || isLoadingOlder.current) return;
    isLoadingOlder.current = true;
    try {
      const page = await conversations.messages(conversationId, thread.olderCursor);
      dispatch({
        type: 'page_loaded',
        conversationId,
        newestFirst: page.items,
        nextCursor: page.next_cursor,
        isOlder: true,
      });
    } catch (failure) {
      setError(failure);
    } finally {
      isLoadingOlder.current = false;
    }
  };

  const run = async (action: () => Promise<ConversationDto | void>) => {
    setIsBusy(true);
    setError(null);
    try {
      const updated = await action();
      if (updated) {
        setConversation(updated);
        onChanged(updated);
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setIsBusy(false);
    }
  };

  if (!conversation) {
    return error ? <ErrorMessage error={error} /> : <Loading />;
  }

  const command = (name: ConversationCommand) => run(() => conversations.command(conversationId, name));
  const isResolved = conversation.status === 'resolved';
  const windowState = windowOf(conversation.window_expires_at, Date.now());
  const canTake = conversation.assignee_id !== user.id && !isResolved;
  const isMine = conversation.assignee_id === user.id;
  const contact = conversation.contact;
  const contactName = contact.name ?? contact.phone ?? contact.email ?? '—';
  const typingNames = Object.values(thread.typing).map((entry) => entry.name);

  const toggleFavorite = () =>
    run(async () => {
      const result = await conversations.favorite(conversationId, !conversation.favorite);
      setConversation((current) => (current ? { ...current, favorite: result.favorite } : current));
      onFavorite(conversationId, result.favorite);
    });

  const startVoiceCall = () =>
    run(async () => {
      if (!contact.phone) return;
      await softphone.dial(contact.phone, async () => {
        const result = await conversations.call(conversationId);
        dispatch({ type: 'message_upserted', message: result.message });
      });
    });

  const startVideoCall = () =>
    run(async () => {
      // Opened before the request so the browser does not block it as a pop-up.
      const popup = window.open('about:blank', '_blank');
      // The room's page must not reach back into the console (reverse tabnabbing).
      if (popup) popup.opener = null;
      try {
        const result = await conversations.video(conversationId);
        dispatch({ type: 'message_upserted', message: result.message });
        if (popup) popup.location.href = result.video_url;
        else window.open(result.video_url, '_blank', 'noopener');
      } catch (failure) {
        popup?.close();
        throw failure;
      }
    });

  return (
    <>
      <article className="conversation" data-testid="conversation" data-conversation-id={conversationId}>
        <header className="conversation-header">
          {showBack ? (
            <a className="back" href={hrefOf({ name: 'inbox' })}>
              ← {t('common.back')}
            </a>
          ) : null}
          <div className="conversation-title">
            <h2 data-testid="conversation-contact">{contactName}</h2>
            <p className="muted small">
              {[contact.phone, contact.email].filter(Boolean).join(' · ')} · {t(`channel.${conversation.channel}`)} ·{' '}
              <span data-testid="conversation-status">{t(`conversation.status.${conversation.status}`)}</span>
              {conversation.awaiting_human ? ` · ${t('conversation.awaiting')}` : ''}
              {conversation.rating !== null ? ` · ${t('conversation.rated', { rating: conversation.rating })}` : ''}
            </p>
          </div>
          <LabelPicker conversationId={conversationId} />
          <div className="toolbar" role="toolbar" aria-label={t('conversation.actions')}>
            <ContactPanelToggle isOpen={contactPanel.isOpen} onToggle={contactPanel.toggle} />
            <button
              type="button"
              aria-pressed={conversation.favorite}
              onClick={() => void toggleFavorite()}
              disabled={isBusy}
              data-testid="favorite"
              title={conversation.favorite ? t('conversation.unstar') : t('conversation.star')}
            >
              <span aria-hidden="true">{conversation.favorite ? '★' : '☆'}</span>{' '}
              {conversation.favorite ? t('conversation.unstar') : t('conversation.star')}
            </button>
            <button
              type="button"
              onClick={() => void startVoiceCall()}
              disabled={isBusy || !contact.phone || !canCall}
              title={canCall ? undefined : t('softphone.call_disabled')}
              data-testid="voice-call"
            >
              <span aria-hidden="true">☎</span> {t('conversation.voice_call')}
            </button>
            <button type="button" onClick={() => void startVideoCall()} disabled={isBusy} data-testid="video-call">
              {t('conversation.video_call')}
            </button>
            {canTake ? (
              <button type="button" onClick={() => void command('take')} disabled={isBusy} data-testid="take">
                {t('conversation.take')}
              </button>
            ) : null}
            {!isResolved ? (
              <button type="button" onClick={() => setDialog('assign')} disabled={isBusy} data-testid="assign">
                {t('conversation.assign')}
              </button>
            ) : null}
            {!isResolved && conversation.assignee_id !== null ? (
              <button type="button" onClick={() => void command('unassign')} disabled={isBusy} data-testid="unassign">
                {t('conversation.to_queue')}
              </button>
            ) : null}
            {!isResolved && conversation.assignee_id === null && !conversation.awaiting_human ? (
              <button type="button" onClick={() => void command('handoff')} disabled={isBusy} data-testid="handoff">
                {t('conversation.handoff')}
              </button>
            ) : null}
            <label className="priority">
              <span className="visually-hidden">{t('conversation.priority')}</span>
              <select
                value={conversation.priority}
                aria-label={t('conversation.priority')}
                disabled={isBusy}
                onChange={(event) =>
                  void run(() =>
                    conversations.setPriority(conversationId, event.target.value as ConversationDto['priority']),
                  )
                }
              >
                {conversationPriorities.map((priority) => (
                  <option key={priority} value={priority}>
                    {t(`priority.${priority}`)}
                  </option>
                ))}
              </select>
            </label>
            {isResolved ? (
              <button type="button" onClick={() => void command('reopen')} disabled={isBusy} data-testid="reopen">
                {t('conversation.reopen')}
              </button>
            ) : (
              <button
                type="button"
                className="danger"
                onClick={() => setDialog('close')}
                disabled={isBusy}
                data-testid="close-conversation"
              >
                {t('conversation.close')}
              </button>
            )}
          </div>
        </header>
        <ErrorMessage error={error} />
        <MessageList
          messages={messages}
          hasOlder={thread.olderCursor !== null}
          onLoadOlder={() => void loadOlder()}
          meId={user.id}
          contactName={contact.name ?? contact.phone ?? contact.email}
          agentNames={agentNames}
          conversationId={conversationId}
          conversations={conversations}
          onRetry={
            isResolved
              ? undefined
              : async (messageId) => {
                  const message = await conversations.retryMessage(conversationId, messageId);
                  dispatch({ type: 'message_upserted', message });
                }
          }
        />
        <p className="typing" aria-live="polite" data-testid="typing-indicator">
          {typingNames.length > 0 ? t('conversation.typing', { names: typingNames.join(', ') }) : ''}
        </p>
        {!isResolved && conversation.channel === 'whatsapp' && (
          <WhatsAppTools
            conversationId={conversationId}
            expiresAt={conversation.window_expires_at}
            canWrite={isMine || conversation.assignee_id === null || user.role !== 'agent'}
            api={whatsapp}
            onSent={(message) => dispatch({ type: 'message_upserted', message })}
          />
        )}
        {isResolved ? (
          <p className="muted composer-closed">{t('conversation.closed_hint')}</p>
        ) : (
          <Composer
            conversationId={conversationId}
            canWrite={
              (isMine || conversation.assignee_id === null || user.role !== 'agent') &&
              (conversation.channel !== 'whatsapp' || windowState.isOpen)
            }
            onSend={async (text) => {
              const message = await conversations.send(conversationId, text);
              dispatch({ type: 'message_upserted', message });
            }}
            onNote={async (text) => {
              const note = await productivity.addNote(conversationId, text);
              setNotes((current) => (current.some((known) => known.id === note.id) ? current : [...current, note]));
            }}
            onSnooze={async (until) => {
              await run(() => conversations.snooze(conversationId, until.toISOString()));
            }}
            variables={{ contactName: contact.name, contactPhone: contact.phone, agentName: user.name }}
            loadCanned={productivity.canned}
            loadCannedFile={productivity.cannedFile}
            onSendFile={async (file, text) => {
              // A caption holds 1024 characters; a longer reply follows the file as its own message.
              const caption = text.length <= 1024 ? text : '';
              const upload = await whatsapp.upload(conversationId, file);
              const sent = await whatsapp.sendAttachment(conversationId, upload.upload_id, caption);
              dispatch({ type: 'message_upserted', message: sent });
              if (text && !caption) {
                dispatch({ type: 'message_upserted', message: await conversations.send(conversationId, text) });
              }
            }}
            sendTyping={(isTyping) => {
              if (realtime.status === 'connected') {
                void realtime.emitWithAck('typing', { conversation_id: conversationId, is_typing: isTyping });
              } else {
                conversations.typing(conversationId, isTyping).catch(() => undefined);
              }
            }}
          />
        )}
        <CloseDialog
          isOpen={dialog === 'close'}
          onClose={() => setDialog(null)}
          onSubmit={async (body) => {
            await run(() => conversations.close(conversationId, body));
            setDialog(null);
          }}
        />
        <AssignDialog
          isOpen={dialog === 'assign'}
          onClose={() => setDialog(null)}
          currentAssigneeId={conversation.assignee_id}
          onSubmit={async (agentId) => {
            await run(() => conversations.assign(conversationId, agentId));
            setDialog(null);
          }}
        />
      </article>
      {contactPanel.isOpen ? (
        <ContactPanel
          contactId={contact.id}
          conversationId={conversationId}
          isColumn={contactPanel.isColumn}
          onClose={contactPanel.close}
        />
      ) : null}
    </>
  );
}
