// Django admin's raw_id_fields (admin/js/admin/RelatedObjectLookups.js): a text input holding the
// related object's id, a lookup link opening the related change list in a popup window, and the
// object's name in a <strong> after it (as served; Django does not update it). The popup calls
// the opener's dismissRelatedLookupPopup, which sets `.value` and fires no event: the watcher's
// value setters catch it. The adapter adds the lookup link and the name to the field (focus,
// locking) and names the object in dialogs.
import type { FieldBinding, WidgetAdapter } from '../types.js';

function partsOf(input: HTMLElement): { lookup: HTMLElement | null; name: HTMLElement | null } {
  const lookup = input.id ? input.ownerDocument.getElementById(`lookup_${input.id}`) : null;
  const next = lookup?.nextElementSibling;
  return { lookup, name: next instanceof HTMLElement && next.tagName === 'STRONG' ? next : null };
}

export const djangoRawId: WidgetAdapter = {
  name: 'django-raw-id',
  // An object id (or a list of them), chosen whole: a versioned value; two ids must never merge as text.
  kind: 'other',
  detect: (f) => (f.kind === 'text' || f.kind === 'other') && f.element.matches('input.vForeignKeyRawIdAdminField, input.vManyToManyRawIdAdminField'),
  bind({ field, native }): Partial<FieldBinding> {
    return {
      owns: (el) => {
        const { lookup, name } = partsOf(field.element);
        return native.owns(el) || (lookup?.contains(el) ?? false) || (name?.contains(el) ?? false);
      },
      setLocked(locked) {
        native.setLocked(locked);
        const { lookup } = partsOf(field.element);
        if (lookup) lookup.inert = locked;
      },
      describe(v) {
        // The name Django rendered belongs to the id it was rendered for (its change link says which).
        const link = partsOf(field.element).name?.querySelector('a');
        const id = /\/([^/]+)\/change\/?$/.exec(link?.getAttribute('href') ?? '')?.[1];
        const text = link?.textContent?.trim();
        return text && id !== undefined && decodeURIComponent(id) === String(v) ? `${text} (${String(v)})` : native.describe(v);
      },
    };
  },
};
