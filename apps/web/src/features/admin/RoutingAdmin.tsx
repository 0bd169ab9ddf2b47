/**
 * Admin › Queues: the queues (settings, members) and, under them, the entry points that send
 * work into them (WhatsApp, web chat, phone numbers), over one list of queues.
 */
import { useResourceList } from '../../shared/admin';
import { EntryPointsAdmin } from './EntryPointsAdmin';
import { QueuesAdmin, queueList } from './QueuesAdmin';

export function RoutingAdmin() {
  const queues = useResourceList({ path: '/api/queues', schema: queueList });
  return (
    <div className="stack">
      <QueuesAdmin queues={queues} />
      <EntryPointsAdmin queues={queues.items ?? []} />
    </div>
  );
}
