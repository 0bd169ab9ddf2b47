import { describe, expect, it } from 'vitest';
import { mapLinkOf, phoneForWhatsApp } from './message-cards-model';

describe('message cards', () => {
  it('links to OpenStreetMap at the coordinates', () => {
    expect(mapLinkOf(-23.5505, -46.6333)).toBe(
      'https://www.openstreetmap.org/?mlat=-23.550500&mlon=-46.633300#map=17/-23.550500/-46.633300',
    );
  });

  it('writes to WhatsApp’s id of a shared contact, or to an international number as typed', () => {
    expect(phoneForWhatsApp({ phone: '+55 (11) 98765-4321', wa_id: '5511987654321' })).toBe('+5511987654321');
    expect(phoneForWhatsApp({ phone: '+55 (11) 98765-4321', wa_id: null })).toBe('+5511987654321');
    expect(phoneForWhatsApp({ phone: '(11) 98765-4321', wa_id: null })).toBeUndefined();
    expect(phoneForWhatsApp({ phone: '+12', wa_id: null })).toBeUndefined();
  });
});
