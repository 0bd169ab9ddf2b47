/**
 * A tiny SIP registrar and peer over WebSocket (RFC 7118), enough to drive the console's
 * JsSIP softphone: REGISTER is challenged with 401 and accepted with 200 after a correct
 * MD5 digest (RFC 2617/3261); INVITEs go to the registered contact with an SDP offer
 * supplied by the test (a real RTCPeerConnection in another page), and the dialog's
 * requests from the softphone (ACK, re-INVITE for hold, BYE, REFER, INFO) are answered.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SipMessage {
  /** `INVITE sip:…` for requests, `SIP/2.0 200 OK` for responses. */
  startLine: string;
  method: string | undefined;
  status: number | undefined;
  headers: [string, string][];
  body: string;
  header(name: string): string | undefined;
}

export function parseSip(text: string): SipMessage {
  const split = text.indexOf('\r\n\r\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  const body = split >= 0 ? text.slice(split + 4) : '';
  const [startLine = '', ...lines] = head.split('\r\n');
  const headers: [string, string][] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const isResponse = startLine.startsWith('SIP/2.0 ');
  return {
    startLine,
    method: isResponse ? undefined : startLine.split(' ')[0],
    status: isResponse ? Number(startLine.split(' ')[1]) : undefined,
    headers,
    body,
    header(name) {
      const lower = name.toLowerCase();
      return headers.find(([key]) => key.toLowerCase() === lower)?.[1];
    },
  };
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

function token(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}

function digestParams(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of header.replace(/^Digest\s+/i, '').matchAll(/(\w+)=("([^"]*)"|[^,\s]+)/g)) {
    params[match[1]!.toLowerCase()] = match[3] ?? match[2]!;
  }
  return params;
}

function uriIn(nameAddr: string): string {
  return /<([^>]+)>/.exec(nameAddr)?.[1] ?? nameAddr.split(';')[0]!.trim();
}

export interface SdpPeer {
  /** An offer with its candidates gathered. */
  createOffer(): Promise<string>;
  acceptAnswer(sdp: string): Promise<void>;
  /** Answers an offer the softphone sent in a re-INVITE (hold, resume). */
  answerOffer(sdp: string): Promise<string>;
}

export interface Dialog {
  callId: string;
  /** Every request and response of this call, as received from the softphone. */
  received: SipMessage[];
  /** Resolves with the final response to our INVITE. */
  final: Promise<SipMessage>;
  /** The remote side hangs up. */
  bye(): Promise<void>;
  waitFor(predicate: (message: SipMessage) => boolean, timeoutMs?: number): Promise<SipMessage>;
}

export interface SipResponder {
  url: string;
  domain: string;
  port: number;
  registers: SipMessage[];
  /** How many times a REGISTER was accepted with 200. */
  registrations: number;
  log: string[];
  waitForRegistration(count: number, timeoutMs?: number): Promise<void>;
  invite(options: { from: string; displayName?: string; callInfo?: string; peer: SdpPeer }): Promise<Dialog>;
  /** Closes the softphone's WebSocket: a network loss. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startSipResponder(options: { username: string; password: string }): Promise<SipResponder> {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: '/ws',
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const domain = '127.0.0.1';
  const realm = domain;
  const nonces = new Set<string>();
  const registers: SipMessage[] = [];
  const log: string[] = [];
  const dialogs = new Map<string, DialogState>();
  let registeredContact: { uri: string; header: string; socket: WebSocket } | undefined;
  let registrations = 0;
  const registrationWaiters: (() => void)[] = [];
  const via = () => `SIP/2.0/WS 127.0.0.1:${port};branch=z9hG4bK${token()}`;

  interface DialogState {
    callId: string;
    fromHeader: string;
    toHeader: string | undefined;
    remoteTarget: string | undefined;
    cseq: number;
    socket: WebSocket;
    peer: SdpPeer;
    received: SipMessage[];
    waiters: { predicate: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }[];
  }

  const send = (socket: WebSocket, lines: string[], body = '') => {
    const text = [...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
    log.push(`${Date.now() % 100000} >> ${lines[0]}`);
    socket.send(text);
  };

  const reply = (socket: WebSocket, request: SipMessage, status: string, extra: string[] = [], body = '') => {
    const to = request.header('To') ?? '';
    const lines = [
      `SIP/2.0 ${status}`,
      ...request.headers.filter(([name]) => name.toLowerCase() === 'via').map(([, value]) => `Via: ${value}`),
      `From: ${request.header('From')}`,
      `To: ${/;tag=/.test(to) ? to : `${to};tag=${token(4)}`}`,
      `Call-ID: ${request.header('Call-ID')}`,
      `CSeq: ${request.header('CSeq')}`,
      ...extra,
    ];
    send(socket, lines, body);
  };

  const notify = (dialog: DialogState, message: SipMessage) => {
    dialog.received.push(message);
    for (const waiter of [...dialog.waiters]) {
      if (waiter.predicate(message)) {
        dialog.waiters.splice(dialog.waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  };

  const inDialogRequest = (dialog: DialogState, method: string, extra: string[] = [], body = '') => {
    dialog.cseq += 1;
    send(
      dialog.socket,
      [
        `${method} ${dialog.remoteTarget} SIP/2.0`,
        `Via: ${via()}`,
        'Max-Forwards: 70',
        `From: ${dialog.fromHeader}`,
        `To: ${dialog.toHeader}`,
        `Call-ID: ${dialog.callId}`,
        `CSeq: ${dialog.cseq} ${method}`,
        ...extra,
      ],
      body,
    );
  };

  const onRegister = (socket: WebSocket, request: SipMessage) => {
    registers.push(request);
    const authorization = request.header('Authorization');
    if (authorization) {
      const p = digestParams(authorization);
      const ha1 = md5(`${options.username}:${realm}:${options.password}`);
      const ha2 = md5(`REGISTER:${p.uri}`);
      const expected = p.qop
        ? md5(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`)
        : md5(`${ha1}:${p.nonce}:${ha2}`);
      if (p.username === options.username && p.nonce && nonces.has(p.nonce) && p.response === expected) {
        const contact = request.header('Contact') ?? '';
        const expires = request.header('Expires') ?? '300';
        registeredContact = { uri: uriIn(contact), header: contact, socket };
        registrations += 1;
        reply(socket, request, '200 OK', [
          `Contact: ${contact.replace(/;expires=\d+/, '')};expires=${expires}`,
          `Expires: ${expires}`,
        ]);
        for (const waiter of registrationWaiters.splice(0)) waiter();
        return;
      }
      log.push(`!! bad digest from ${p.username}`);
      return reply(socket, request, '403 Forbidden');
    }
    const nonce = token(16);
    nonces.add(nonce);
    reply(socket, request, '401 Unauthorized', [
      `WWW-Authenticate: Digest realm="${realm}", nonce="${nonce}", algorithm=MD5, qop="auth"`,
    ]);
  };

  const onRequest = async (socket: WebSocket, request: SipMessage) => {
    const method = request.method ?? '';
    if (method === 'REGISTER') return onRegister(socket, request);
    const dialog = dialogs.get(request.header('Call-ID') ?? '');
    if (!dialog) {
      if (method !== 'ACK') reply(socket, request, '481 Call/Transaction Does Not Exist');
      return;
    }
    notify(dialog, request);
    switch (method) {
      case 'ACK':
        return;
      case 'INVITE': {
        const answer = await dialog.peer.answerOffer(request.body);
        return reply(
          socket,
          request,
          '200 OK',
          [`Contact: <sip:peer@127.0.0.1:${port};transport=ws>`, 'Content-Type: application/sdp'],
          answer,
        );
      }
      case 'BYE':
      case 'INFO':
      case 'UPDATE':
        return reply(socket, request, '200 OK');
      case 'REFER': {
        reply(socket, request, '202 Accepted');
        // The transferee reports the new call's outcome (RFC 3515): it succeeded.
        return inDialogRequest(
          dialog,
          'NOTIFY',
          ['Event: refer', 'Subscription-State: terminated;reason=noresource', 'Content-Type: message/sipfrag'],
          'SIP/2.0 200 OK\r\n',
        );
      }
      default:
        return reply(socket, request, '405 Method Not Allowed');
    }
  };

  const onResponse = (response: SipMessage) => {
    const dialog = dialogs.get(response.header('Call-ID') ?? '');
    if (!dialog) return;
    notify(dialog, response);
  };

  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const message = parseSip(bytes.toString('utf8'));
      log.push(`${Date.now() % 100000} << ${message.startLine}`);
      if (message.status !== undefined) onResponse(message);
      else void onRequest(socket, message);
    });
  });

  return {
    url: `ws://127.0.0.1:${port}/ws`,
    domain,
    port,
    registers,
    log,
    get registrations() {
      return registrations;
    },
    waitForRegistration(count, timeoutMs = 20_000) {
      if (registrations >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no registration #${count}: ${log.slice(-6).join(' | ')}`)),
          timeoutMs,
        );
        const check = () => {
          if (registrations >= count) {
            clearTimeout(timer);
            resolve();
          } else registrationWaiters.push(check);
        };
        registrationWaiters.push(check);
      });
    },
    async invite({ from, displayName, callInfo, peer }) {
      if (!registeredContact) throw new Error('nobody is registered');
      const { socket, uri } = registeredContact;
      const offer = await peer.createOffer();
      const callId = token(12);
      const fromHeader = `"${displayName ?? from}" <sip:${from}@${domain}>;tag=${token(4)}`;
      const dialog: DialogState = {
        callId,
        fromHeader,
        toHeader: undefined,
        remoteTarget: undefined,
        cseq: 1,
        socket,
        peer,
        received: [],
        waiters: [],
      };
      dialogs.set(callId, dialog);
      const waitFor = (predicate: (m: SipMessage) => boolean, timeoutMs = 20_000) =>
        new Promise<SipMessage>((resolve, reject) => {
          const found = dialog.received.find(predicate);
          if (found) return resolve(found);
          const timer = setTimeout(
            () => reject(new Error(`SIP wait timed out: ${log.slice(-8).join(' | ')}`)),
            timeoutMs,
          );
          dialog.waiters.push({
            predicate,
            resolve: (message) => {
              clearTimeout(timer);
              resolve(message);
            },
          });
        });
      send(
        socket,
        [
          `INVITE ${uri} SIP/2.0`,
          `Via: ${via()}`,
          'Max-Forwards: 70',
          `From: ${fromHeader}`,
          `To: <sip:${options.username}@${domain}>`,
          `Call-ID: ${callId}`,
          'CSeq: 1 INVITE',
          `Contact: <sip:${from}@127.0.0.1:${port};transport=ws>`,
          'Allow: INVITE, ACK, CANCEL, BYE, INFO, REFER, NOTIFY, OPTIONS',
          'Content-Type: application/sdp',
          ...(callInfo ? [`Call-Info: ${callInfo}`] : []),
        ],
        offer,
      );
      const final = waitFor(
        (m) => m.status !== undefined && m.status >= 200 && /INVITE$/.test(m.header('CSeq') ?? ''),
      ).then(async (response) => {
        if (response.status === 200) {
          dialog.toHeader = response.header('To');
          dialog.remoteTarget = uriIn(response.header('Contact') ?? uri);
          await peer.acceptAnswer(response.body);
        }
        // ACK for 2xx is a new transaction; for failures it belongs to the INVITE's.
        send(socket, [
          `ACK ${response.status === 200 ? dialog.remoteTarget : uri} SIP/2.0`,
          `Via: ${via()}`,
          'Max-Forwards: 70',
          `From: ${fromHeader}`,
          `To: ${response.header('To')}`,
          `Call-ID: ${callId}`,
          'CSeq: 1 ACK',
        ]);
        return response;
      });
      return {
        callId,
        received: dialog.received,
        final,
        waitFor,
        async bye() {
          inDialogRequest(dialog, 'BYE');
          await waitFor((m) => m.status === 200 && /BYE$/.test(m.header('CSeq') ?? ''));
        },
      };
    },
    dropConnections() {
      for (const client of server.clients) client.terminate();
    },
    close() {
      for (const client of server.clients) client.terminate();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
