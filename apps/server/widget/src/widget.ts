/**
 * The web-chat widget: `<script src="https://<switchboard>/widget.js" data-channel="<id>" async>`.
 * Vanilla DOM in a shadow root (the page's styles never reach it), socket.io-client on the
 * `/webchat` namespace (WebSocket only: no CORS needed for the socket), the visitor token in
 * localStorage so the thread survives reloads and new tabs.
 */
import { io, type Socket } from 'socket.io-client';
import { STYLES } from './styles.js';
import { languageOf, textsOf, type Texts } from './texts.js';

interface PublicChannel {
  id: string;
  name: string;
  greeting: string | null;
  prechat_fields: Record<'name' | 'email' | 'phone', 'off' | 'optional' | 'required'>;
  offline_message: string | null;
  colors: { primary: string; text: string };
  is_open: boolean;
}

interface VisitorMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  author_type: string;
  text: string | null;
  media: { kind: string; filename: string | null; caption: string | null; status: string; url: string | null } | null;
  status: string | null;
  is_rating_question: boolean;
  created_at: string;
}

type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

const script = document.currentScript as HTMLScriptElement | null;
const channelId = script?.dataset.channel ?? '';
const base = script ? new URL(script.src).origin : location.origin;
const storageKey = `switchboard-webchat:${channelId}`;
const t: Texts = textsOf(languageOf(document.documentElement.lang, navigator.languages ?? [navigator.language]));

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function clientId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

class Widget {
  private readonly root: ShadowRoot;
  private readonly panel = el('div', { class: 'panel', role: 'dialog', 'aria-label': 'chat', hidden: '' });
  private readonly thread = el('div', { class: 'thread', 'aria-live': 'polite' });
  private readonly status = el('div', { class: 'status' });
  private readonly footer = el('div', { class: 'footer' });
  private token: string | null = localStorage.getItem(storageKey);
  private socket: Socket | undefined;
  private readonly shown = new Map<string, HTMLElement>();
  /** Agents' messages shown and what the widget last reported of each (`delivered`/`read`). */
  private readonly agentStatus = new Map<string, string>();
  private seenTimer: number | undefined;
  private typingTimer: number | undefined;
  private lastTypingAt = 0;

  constructor(private readonly channel: PublicChannel) {
    const host = el('div', { id: 'switchboard-webchat' });
    document.body.append(host);
    this.root = host.attachShadow({ mode: 'open' });
    const style = el('style', {}, STYLES);
    host.style.setProperty('--sb-primary', channel.colors.primary);
    host.style.setProperty('--sb-text', channel.colors.text);
    const launcher = el('button', { class: 'launcher', type: 'button', 'aria-label': t.open }, '💬');
    const closer = el('button', { class: 'close', type: 'button', 'aria-label': t.close }, '×');
    launcher.addEventListener('click', () => this.toggle(true));
    closer.addEventListener('click', () => this.toggle(false));
    this.panel.append(el('header', {}, el('strong', {}, channel.name), closer), this.status, this.thread, this.footer);
    this.root.append(style, this.panel, launcher);
    if (channel.greeting) this.thread.append(el('p', { class: 'greeting' }, channel.greeting));
    if (this.token) this.connect();
    else this.showStart();
  }

  private toggle(isOpen: boolean): void {
    this.panel.toggleAttribute('hidden', !isOpen);
    if (isOpen) this.footer.querySelector<HTMLElement>('textarea, input')?.focus();
    this.reportSeen();
  }

  private isVisible(): boolean {
    return !this.panel.hasAttribute('hidden') && document.visibilityState === 'visible';
  }

  /**
   * Tells the server which agents' messages reached this page (`delivered`) and which the
   * visitor saw, the panel open (`read`): the agent's ticks in the console follow.
   */
  private reportSeen(): void {
    window.clearTimeout(this.seenTimer);
    this.seenTimer = window.setTimeout(() => {
      const target = this.isVisible() ? 'read' : 'delivered';
      const ids = [...this.agentStatus].filter(([, s]) => s === 'sent' || (target === 'read' && s === 'delivered'));
      if (ids.length === 0) return;
      for (const [id] of ids) this.agentStatus.set(id, target);
      void this.emit('seen', { message_ids: ids.slice(-100).map(([id]) => id), status: target });
    }, 200);
  }

  /** The pre-chat form (or the offline form when the queue is closed). */
  private showStart(): void {
    const offline = !this.channel.is_open;
    const form = el('form', { class: 'prechat' });
    if (offline) form.append(el('p', {}, this.channel.offline_message ?? t.offline));
    for (const field of ['name', 'email', 'phone'] as const) {
      const requirement = offline && field !== 'phone' ? 'required' : this.channel.prechat_fields[field];
      if (requirement === 'off') continue;
      const input = el('input', {
        name: field,
        type: field === 'email' ? 'email' : field === 'phone' ? 'tel' : 'text',
        'aria-label': t[field],
        placeholder: t[field],
        maxlength: '100',
      });
      if (requirement === 'required') input.required = true;
      form.append(input);
    }
    const message = el('textarea', { name: 'message', placeholder: t.placeholder, 'aria-label': t.placeholder });
    message.required = true;
    form.append(message, el('button', { type: 'submit' }, offline ? t.leave : t.start));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const answers: Record<string, string> = {};
      for (const field of ['name', 'email', 'phone']) {
        const value = data.get(field);
        if (typeof value === 'string' && value.trim()) answers[field] = value.trim();
      }
      const message = data.get('message');
      void this.start(answers, typeof message === 'string' ? message : '');
    });
    this.footer.replaceChildren(form);
  }

  private async start(answers: Record<string, string>, firstMessage: string): Promise<void> {
    const response = await fetch(`${base}/webchat/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel_id: channelId, ...answers }),
    });
    if (!response.ok) {
      this.status.textContent = t.failed;
      return;
    }
    const session = (await response.json()) as { token: string };
    this.token = session.token;
    localStorage.setItem(storageKey, session.token);
    this.connect();
    if (firstMessage.trim()) await this.send(firstMessage.trim(), null);
  }

  private connect(): void {
    const socket = io(`${base}/webchat`, { auth: { token: this.token }, transports: ['websocket'] });
    this.socket = socket;
    this.showComposer();
    socket.on('connect', () => void this.loadThread());
    socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code === 'webchat.invalid_token') {
        localStorage.removeItem(storageKey);
        this.token = null;
        socket.close();
        this.showStart();
      }
    });
    socket.on('message', (message: VisitorMessage) => this.render(message));
    document.addEventListener('visibilitychange', () => this.reportSeen());
    socket.on('typing', (typing: { is_typing: boolean; name: string | null }) => {
      this.status.textContent = typing.is_typing ? `${typing.name ?? ''} ${t.typing}` : '';
    });
    socket.on('conversation', (c: { agent_name: string | null; status: string }) => {
      if (c.agent_name) this.status.textContent = t.agent(c.agent_name);
    });
    socket.on('queue_position', (q: { position: number | null }) => {
      if (q.position) this.status.textContent = t.position(q.position);
    });
    socket.on('read', () => {
      for (const node of this.shown.values()) if (node.classList.contains('mine')) node.dataset.read = t.read;
    });
  }

  private async loadThread(): Promise<void> {
    const reply = await this.emit<{
      messages: VisitorMessage[];
      agent_name: string | null;
      queue_position: number | null;
    }>('thread', {});
    if (!reply.ok) return;
    for (const message of reply.data.messages) this.render(message);
    if (reply.data.agent_name) this.status.textContent = t.agent(reply.data.agent_name);
    else if (reply.data.queue_position) this.status.textContent = t.position(reply.data.queue_position);
  }

  private showComposer(): void {
    const form = el('form', { class: 'composer' });
    const text = el('textarea', { name: 'text', rows: '1', placeholder: t.placeholder, 'aria-label': t.placeholder });
    const file = el('input', { type: 'file', accept: 'image/*,application/pdf', hidden: '' });
    const attach = el('button', { type: 'button', class: 'attach', 'aria-label': t.attach }, '📎');
    attach.addEventListener('click', () => file.click());
    file.addEventListener('change', () => {
      const chosen = file.files?.[0];
      if (chosen) void this.upload(chosen);
      file.value = '';
    });
    text.addEventListener('input', () => this.typing());
    text.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = text.value.trim();
      if (!value) return;
      text.value = '';
      void this.send(value, null);
    });
    form.append(attach, file, text, el('button', { type: 'submit', class: 'send' }, t.send));
    this.footer.replaceChildren(form);
  }

  private typing(): void {
    const now = Date.now();
    if (now - this.lastTypingAt > 3000) {
      this.lastTypingAt = now;
      this.socket?.emit('typing', { is_typing: true });
    }
    window.clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => {
      this.lastTypingAt = 0;
      this.socket?.emit('typing', { is_typing: false });
    }, 4000);
  }

  private async send(text: string | null, uploadId: string | null): Promise<void> {
    const reply = await this.emit('message', { client_message_id: clientId(), text, upload_id: uploadId });
    if (!reply.ok) this.status.textContent = reply.error.message || t.failed;
  }

  private async upload(file: File): Promise<void> {
    const response = await fetch(`${base}/webchat/v1/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.token ?? ''}`,
        'content-type': 'application/octet-stream',
        'x-filename': encodeURIComponent(file.name),
      },
      body: file,
    });
    if (!response.ok) {
      const problem = (await response.json().catch(() => ({}))) as { detail?: string };
      this.status.textContent = problem.detail ?? t.failed;
      return;
    }
    const upload = (await response.json()) as { upload_id: string };
    await this.send(null, upload.upload_id);
  }

  private emit<T>(event: string, payload: unknown): Promise<Ack<T>> {
    return new Promise((resolve) => {
      if (!this.socket) resolve({ ok: false, error: { code: 'offline', message: t.failed } });
      else
        this.socket.timeout(15_000).emit(event, payload, (error: unknown, ack: Ack<T>) => {
          resolve(error ? { ok: false, error: { code: 'timeout', message: t.failed } } : ack);
        });
    });
  }

  private render(message: VisitorMessage): void {
    const isMine = message.direction === 'inbound';
    const existing = this.shown.get(message.id);
    // A delivery or read mark changes nothing shown: the node (and stars being answered) stays.
    const look = JSON.stringify([message.text, message.media, message.is_rating_question]);
    if (existing?.dataset.look === look) {
      this.noteAgentStatus(message, isMine);
      return;
    }
    const node = el('div', { class: `message ${isMine ? 'mine' : 'theirs'}`, 'data-id': message.id });
    node.dataset.look = look;
    if (message.text && !(message.is_rating_question && !isMine)) node.append(el('p', {}, message.text));
    if (message.is_rating_question) node.append(this.stars(message.text ?? t.rate));
    if (message.media) {
      if (message.media.url && message.media.kind === 'image') {
        const image = el('img', { alt: message.media.filename ?? '' });
        void this.fetchMedia(message.media.url).then((url) => url && (image.src = url));
        node.append(image);
      } else if (message.media.url) {
        const link = el('a', { href: '#' }, message.media.filename ?? 'PDF');
        link.addEventListener('click', (event) => {
          event.preventDefault();
          void this.fetchMedia(message.media?.url ?? '').then((url) => url && window.open(url, '_blank'));
        });
        node.append(link);
      } else node.append(el('p', { class: 'pending' }, `📎 ${message.media.filename ?? ''}`));
      if (message.media.caption) node.append(el('p', {}, message.media.caption));
    }
    if (existing) existing.replaceWith(node);
    else this.thread.append(node);
    this.shown.set(message.id, node);
    this.thread.scrollTop = this.thread.scrollHeight;
    this.noteAgentStatus(message, isMine);
  }

  private noteAgentStatus(message: VisitorMessage, isMine: boolean): void {
    if (!isMine && message.status && ['sent', 'delivered'].includes(message.status)) {
      const reported = this.agentStatus.get(message.id);
      if (reported !== 'read' && !(reported === 'delivered' && message.status === 'sent')) {
        this.agentStatus.set(message.id, message.status);
        this.reportSeen();
      }
    }
  }

  private stars(question: string): HTMLElement {
    const box = el('div', { class: 'rating' }, el('p', {}, question));
    const row = el('div', { class: 'stars', role: 'group', 'aria-label': t.rate });
    for (let score = 1; score <= 5; score += 1) {
      const star = el('button', { type: 'button', 'aria-label': `${score}`, 'data-score': `${score}` }, '★');
      star.addEventListener('click', () => {
        void this.emit('rating', { client_message_id: clientId(), score }).then((reply) => {
          // The company's thanks comes as a message; the stars stay as given.
          if (reply.ok) row.replaceWith(el('p', { class: 'rated', 'aria-label': t.thanks }, '★'.repeat(score)));
        });
      });
      row.append(star);
    }
    box.append(row);
    return box;
  }

  private async fetchMedia(path: string): Promise<string | undefined> {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${this.token ?? ''}` } });
    return response.ok ? URL.createObjectURL(await response.blob()) : undefined;
  }
}

async function boot(): Promise<void> {
  if (!channelId || document.getElementById('switchboard-webchat')) return;
  const response = await fetch(`${base}/webchat/v1/channels/${encodeURIComponent(channelId)}`);
  if (!response.ok) return;
  new Widget((await response.json()) as PublicChannel);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void boot());
else void boot();
