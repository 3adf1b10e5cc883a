// The call panel's words, in the pack (tandem.js carries only "Call"). Same keys and placeholders
// in every language (tests/unit/overlay-calls.test.ts).
const en = {
  title: 'Call',
  calling: 'Calling {names}…',
  with: 'In a call with {names}',
  alone: 'Waiting for the others…',
  ended: 'The call ended',
  incoming: '{name} is calling',
  incoming_urgent: '{name} is calling about an urgent help request',
  ring_label: 'Incoming call',
  accept: 'Accept',
  decline: 'Decline',
  mute: 'Mute',
  unmute: 'Unmute',
  camera_off: 'Turn camera off',
  camera_on: 'Turn camera on',
  share: 'Share screen',
  stop_share: 'Stop sharing',
  hang_up: 'Hang up',
  speaking: 'Speaking: {names}',
  nobody_speaking: 'Nobody is speaking',
  you: 'You',
  no_media: 'Your microphone or camera could not be used: {reason}',
  skipped: 'Not rung: {names}',
  controls: 'Call controls',
};
export type CallKey = keyof typeof en;

const de: Record<CallKey, string> = {
  title: 'Anruf',
  calling: '{names} wird angerufen…',
  with: 'Im Gespräch mit {names}',
  alone: 'Warten auf die anderen…',
  ended: 'Der Anruf ist beendet',
  incoming: '{name} ruft an',
  incoming_urgent: '{name} ruft wegen einer dringenden Hilfeanfrage an',
  ring_label: 'Eingehender Anruf',
  accept: 'Annehmen',
  decline: 'Ablehnen',
  mute: 'Stumm schalten',
  unmute: 'Ton an',
  camera_off: 'Kamera aus',
  camera_on: 'Kamera an',
  share: 'Bildschirm teilen',
  stop_share: 'Teilen beenden',
  hang_up: 'Auflegen',
  speaking: 'Es spricht: {names}',
  nobody_speaking: 'Niemand spricht',
  you: 'Sie',
  no_media: 'Mikrofon oder Kamera konnten nicht verwendet werden: {reason}',
  skipped: 'Nicht angerufen: {names}',
  controls: 'Anrufsteuerung',
};

const fr: Record<CallKey, string> = {
  title: 'Appel',
  calling: 'Appel de {names}…',
  with: 'En appel avec {names}',
  alone: 'En attente des autres…',
  ended: 'L’appel est terminé',
  incoming: '{name} vous appelle',
  incoming_urgent: '{name} vous appelle pour une demande d’aide urgente',
  ring_label: 'Appel entrant',
  accept: 'Accepter',
  decline: 'Refuser',
  mute: 'Couper le micro',
  unmute: 'Activer le micro',
  camera_off: 'Couper la caméra',
  camera_on: 'Activer la caméra',
  share: 'Partager l’écran',
  stop_share: 'Arrêter le partage',
  hang_up: 'Raccrocher',
  speaking: 'Parle : {names}',
  nobody_speaking: 'Personne ne parle',
  you: 'Vous',
  no_media: 'Le micro ou la caméra n’a pas pu être utilisé : {reason}',
  skipped: 'Non appelé(s) : {names}',
  controls: 'Commandes de l’appel',
};

export const CATALOGS: Record<string, Record<CallKey, string>> = { en, de, fr };

export function translator(lang: string) {
  const cat = CATALOGS[lang] ?? en;
  return (key: CallKey, vars: Record<string, string> = {}) => cat[key].replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}
export type T = ReturnType<typeof translator>;
