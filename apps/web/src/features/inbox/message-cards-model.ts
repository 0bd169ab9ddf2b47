/** Rules of the location and contact cards, no React: the map link and a WhatsApp number of a shared contact. */

/** OpenStreetMap at the point, zoomed to the street: a link the agent opens, no tile loaded here. */
export function mapLinkOf(latitude: number, longitude: number): string {
  const lat = latitude.toFixed(6);
  const lon = longitude.toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`;
}

/**
 * The E.164 number to write to on WhatsApp: WhatsApp's own id of the contact when it gave
 * one, else the phone as typed when it is international (`+55 11 …`); undefined otherwise
 * (a local number says nothing of its country).
 */
export function phoneForWhatsApp(phone: { phone: string; wa_id: string | null }): string | undefined {
  if (phone.wa_id && /^\d{8,15}$/.test(phone.wa_id)) return `+${phone.wa_id}`;
  const trimmed = phone.phone.trim();
  if (!trimmed.startsWith('+')) return undefined;
  const digits = trimmed.replace(/\D/g, '');
  return /^[1-9]\d{7,14}$/.test(digits) ? `+${digits}` : undefined;
}
