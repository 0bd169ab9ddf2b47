ALTER TABLE "routing_agents" ADD COLUMN "voice_items" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "routing_agents" ADD COLUMN "whatsapp_items" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "routing_agents" ADD COLUMN "webchat_items" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Agents' loads as counters (ADR 19): entries assigned to an agent and live offers to them,
-- per channel, kept on routing_agents by triggers in the transaction that changes the
-- entry or offer. A decision then reads the agent's row (which it locks anyway) instead of
-- counting entries and offers for every member of the queue.
CREATE FUNCTION routing_agent_items_add(agent uuid, company uuid, channel routing_channel, delta integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO routing_agents AS a (user_id, company_id, updated_at, voice_items, whatsapp_items, webchat_items)
  VALUES (agent, company, now(),
          CASE WHEN channel = 'voice' THEN greatest(delta, 0) ELSE 0 END,
          CASE WHEN channel = 'whatsapp' THEN greatest(delta, 0) ELSE 0 END,
          CASE WHEN channel = 'webchat' THEN greatest(delta, 0) ELSE 0 END)
  ON CONFLICT (user_id) DO UPDATE SET
    voice_items = a.voice_items + CASE WHEN channel = 'voice' THEN delta ELSE 0 END,
    whatsapp_items = a.whatsapp_items + CASE WHEN channel = 'whatsapp' THEN delta ELSE 0 END,
    webchat_items = a.webchat_items + CASE WHEN channel = 'webchat' THEN delta ELSE 0 END;
END $$;
--> statement-breakpoint
CREATE FUNCTION queue_entries_agent_items() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  was_held boolean := false;
  is_held boolean := false;
BEGIN
  IF TG_OP <> 'INSERT' THEN was_held := OLD.state = 'assigned' AND OLD.assigned_to IS NOT NULL; END IF;
  IF TG_OP <> 'DELETE' THEN is_held := NEW.state = 'assigned' AND NEW.assigned_to IS NOT NULL; END IF;
  IF was_held AND is_held AND OLD.assigned_to = NEW.assigned_to AND OLD.channel = NEW.channel THEN
    RETURN NULL;
  END IF;
  IF was_held THEN PERFORM routing_agent_items_add(OLD.assigned_to, OLD.company_id, OLD.channel, -1); END IF;
  IF is_held THEN PERFORM routing_agent_items_add(NEW.assigned_to, NEW.company_id, NEW.channel, 1); END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER queue_entries_agent_items AFTER INSERT OR DELETE OR UPDATE OF state, assigned_to, channel
  ON queue_entries FOR EACH ROW EXECUTE FUNCTION queue_entries_agent_items();
--> statement-breakpoint
CREATE FUNCTION routing_offers_agent_items() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  was_live boolean := false;
  is_live boolean := false;
BEGIN
  IF TG_OP <> 'INSERT' THEN was_live := OLD.state = 'offered'; END IF;
  IF TG_OP <> 'DELETE' THEN is_live := NEW.state = 'offered'; END IF;
  IF was_live AND is_live AND OLD.agent_id = NEW.agent_id AND OLD.channel = NEW.channel THEN
    RETURN NULL;
  END IF;
  IF was_live THEN PERFORM routing_agent_items_add(OLD.agent_id, OLD.company_id, OLD.channel, -1); END IF;
  IF is_live THEN PERFORM routing_agent_items_add(NEW.agent_id, NEW.company_id, NEW.channel, 1); END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER routing_offers_agent_items AFTER INSERT OR DELETE OR UPDATE OF state, agent_id, channel
  ON routing_offers FOR EACH ROW EXECUTE FUNCTION routing_offers_agent_items();
--> statement-breakpoint
-- What agents hold already.
INSERT INTO routing_agents (user_id, company_id, updated_at)
SELECT DISTINCT held.agent_id, held.company_id, now() FROM (
  SELECT assigned_to AS agent_id, company_id FROM queue_entries WHERE state = 'assigned' AND assigned_to IS NOT NULL
  UNION SELECT agent_id, company_id FROM routing_offers WHERE state = 'offered'
) held
ON CONFLICT (user_id) DO NOTHING;
--> statement-breakpoint
UPDATE routing_agents a SET
  voice_items = (SELECT count(*) FROM queue_entries e WHERE e.assigned_to = a.user_id AND e.state = 'assigned' AND e.channel = 'voice')
    + (SELECT count(*) FROM routing_offers o WHERE o.agent_id = a.user_id AND o.state = 'offered' AND o.channel = 'voice'),
  whatsapp_items = (SELECT count(*) FROM queue_entries e WHERE e.assigned_to = a.user_id AND e.state = 'assigned' AND e.channel = 'whatsapp')
    + (SELECT count(*) FROM routing_offers o WHERE o.agent_id = a.user_id AND o.state = 'offered' AND o.channel = 'whatsapp'),
  webchat_items = (SELECT count(*) FROM queue_entries e WHERE e.assigned_to = a.user_id AND e.state = 'assigned' AND e.channel = 'webchat')
    + (SELECT count(*) FROM routing_offers o WHERE o.agent_id = a.user_id AND o.state = 'offered' AND o.channel = 'webchat');
