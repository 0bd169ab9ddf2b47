import { useMemo } from 'react';
import { agentPresenceSchema } from '@switchboard/contracts';
import { z } from 'zod';
import { useApi } from '../../app/services';
import { useAsync } from '../../shared/ui/hooks';

const listSchema = z.object({ items: z.array(agentPresenceSchema) });
const NONE: Readonly<Record<string, string>> = {};

/**
 * Agent names by user id, to sign their messages. The presence list is the one list
 * every role may read; a name it lacks reads as "Agent".
 */
export function useAgentNames(): Readonly<Record<string, string>> {
  const api = useApi();
  const presence = useAsync(
    (signal) => api.request('GET', '/api/presence', { schema: listSchema, signal }),
    'agent-names',
  );
  return useMemo(
    () =>
      presence.data ? Object.fromEntries(presence.data.items.map((item) => [item.agent_id, item.agent_name])) : NONE,
    [presence.data],
  );
}
