/**
 * A file a contact sent, in the thread: a photo or sticker shown, a voice note or video
 * played, a document offered for download. The file is fetched with the session's token
 * (an <img src> could not carry it) and shown from a blob URL, revoked when the message
 * leaves the screen. Photos, stickers, voice notes and anything under 1 MB load with the
 * thread; a larger video or document waits for a click, so opening a conversation does not
 * pull megabytes nobody asked for. While the server fetches it from the channel it says so; if that
 * failed it says why and offers to try again.
 */
import { useEffect, useState } from 'react';
import type { MessageDto } from '@switchboard/contracts';
import { useI18n } from '../../shared/i18n/i18n';
import { ErrorMessage } from '../../shared/ui/components';
import type { ConversationsApi } from './conversations-api';

type Media = NonNullable<MessageDto['media']>;

export function MessageMedia({
  media,
  conversationId,
  messageId,
  conversations,
}: {
  media: Media;
  conversationId: string;
  messageId: string;
  conversations: Pick<ConversationsApi, 'media' | 'retryMedia'>;
}) {
  const { t } = useI18n();
  const [objectUrl, setObjectUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [isRetrying, setIsRetrying] = useState(false);
  const [isWanted, setIsWanted] = useState(() => loadsWithThread(media));
  const label = `[${t(`media.${media.kind}`)}]`;
  // The caption is the message's text, shown above.
  const name = media.filename ?? '';

  useEffect(() => {
    if (media.status !== 'stored' || !media.url || !isWanted) return undefined;
    const controller = new AbortController();
    let created: string | null = null;
    conversations.media(media.url, controller.signal).then(
      (blob) => {
        if (controller.signal.aborted) return;
        created = URL.createObjectURL(blob);
        setObjectUrl(created);
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) setError(failure);
      },
    );
    return () => {
      controller.abort();
      if (created) URL.revokeObjectURL(created);
      setObjectUrl(null);
    };
  }, [conversations, media.status, media.url, isWanted]);

  if (media.status === 'pending') {
    return (
      <p className="media media-pending" data-testid="media" data-status="pending">
        {label} {name} <span className="muted">{t('media.pending')}</span>
      </p>
    );
  }
  if (media.status === 'deleted') {
    return (
      <p className="media media-pending" data-testid="media" data-status="deleted">
        {label} {name} <span className="muted">{t('media.deleted')}</span>
      </p>
    );
  }
  if (media.status === 'failed') {
    return (
      <div className="media media-failed" data-testid="media" data-status="failed">
        <p>
          {label} {name} <span className="muted">{t('media.failed')}</span>
        </p>
        {media.failure_reason ? <p className="error small">{media.failure_reason}</p> : null}
        <button
          type="button"
          className="link"
          disabled={isRetrying}
          data-testid="media-retry"
          onClick={() => {
            setIsRetrying(true);
            setError(null);
            conversations
              .retryMedia(conversationId, messageId)
              .catch((failure: unknown) => setError(failure))
              .finally(() => setIsRetrying(false));
          }}
        >
          {t('media.retry')}
        </button>
        <ErrorMessage error={error} />
      </div>
    );
  }
  if (!isWanted) {
    return (
      <div className="media" data-testid="media" data-status="stored" data-kind={media.kind}>
        <button type="button" className="link" onClick={() => setIsWanted(true)} data-testid="media-load">
          {label} {name} {t('media.load', { size: formatBytes(media.size_bytes ?? 0) })}
        </button>
      </div>
    );
  }
  if (!objectUrl) {
    return (
      <div className="media" data-testid="media" data-status="loading">
        <p>
          {label} {name} {error ? null : <span className="muted">{t('common.loading')}</span>}
        </p>
        <ErrorMessage error={error} />
      </div>
    );
  }
  const alt = media.caption ?? media.filename ?? t(`media.${media.kind}`);
  return (
    <div className="media" data-testid="media" data-status="stored" data-kind={media.kind}>
      {media.kind === 'image' || media.kind === 'sticker' ? (
        <a href={objectUrl} target="_blank" rel="noreferrer">
          <img src={objectUrl} alt={alt} className="media-image" data-testid="media-image" />
        </a>
      ) : media.kind === 'audio' ? (
        <audio controls src={objectUrl} data-testid="media-audio">
          {alt}
        </audio>
      ) : media.kind === 'video' ? (
        <video controls src={objectUrl} className="media-video" data-testid="media-video">
          {alt}
        </video>
      ) : (
        <a href={objectUrl} download={media.filename ?? 'document'} data-testid="media-download">
          {label} {media.filename ?? t('media.download')}
        </a>
      )}
    </div>
  );
}

const EAGER_KINDS = new Set<Media['kind']>(['image', 'sticker', 'audio']);
const EAGER_BYTES = 1024 * 1024;

function loadsWithThread(media: Media): boolean {
  return EAGER_KINDS.has(media.kind) || (media.size_bytes ?? 0) <= EAGER_BYTES;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} kB`;
}
