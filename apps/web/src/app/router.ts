/**
 * Hash routes (`#/inbox/<id>`): the server serves the console's files at `/` only, so
 * every screen lives under the one index.html and a reload keeps the screen.
 */
import { useSyncExternalStore } from 'react';

export type AdminTab =
  | 'users'
  | 'devices'
  | 'queues'
  | 'pause-reasons'
  | 'channels'
  | 'intercom'
  | 'integrations'
  | 'labels'
  | 'canned'
  | 'dispositions'
  | 'audit'
  | 'customer-messages';

const ADMIN_TABS: readonly AdminTab[] = [
  'users',
  'devices',
  'queues',
  'pause-reasons',
  'channels',
  'intercom',
  'integrations',
  'labels',
  'canned',
  'dispositions',
  'audit',
  'customer-messages',
];

export type Route =
  | { name: 'inbox'; conversationId?: string }
  | { name: 'calls'; callId?: string }
  | { name: 'contacts'; contactId?: string }
  | { name: 'supervisor' }
  | { name: 'wallboard' }
  | { name: 'reports' }
  | { name: 'admin'; tab: AdminTab }
  | { name: 'profile' };

const UUID = /^[0-9a-f-]{36}$/i;

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [head, second] = parts;
  switch (head) {
    case 'calls':
      return second && UUID.test(second) ? { name: 'calls', callId: second } : { name: 'calls' };
    case 'contacts':
      return second && UUID.test(second) ? { name: 'contacts', contactId: second } : { name: 'contacts' };
    case 'supervisor':
      return { name: 'supervisor' };
    case 'wallboard':
      return { name: 'wallboard' };
    case 'reports':
      return { name: 'reports' };
    case 'admin':
      return {
        name: 'admin',
        tab: ADMIN_TABS.find((tab) => tab === second) ?? 'users',
      };
    case 'profile':
      return { name: 'profile' };
    default:
      return second && UUID.test(second) ? { name: 'inbox', conversationId: second } : { name: 'inbox' };
  }
}

export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'inbox':
      return route.conversationId ? `#/inbox/${route.conversationId}` : '#/inbox';
    case 'calls':
      return route.callId ? `#/calls/${route.callId}` : '#/calls';
    case 'contacts':
      return route.contactId ? `#/contacts/${route.contactId}` : '#/contacts';
    case 'supervisor':
      return '#/supervisor';
    case 'wallboard':
      return '#/wallboard';
    case 'reports':
      return '#/reports';
    case 'admin':
      return `#/admin/${route.tab}`;
    case 'profile':
      return '#/profile';
  }
}

export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
