/**
 * Imported before @napi-rs/canvas: tells it not to load the host's fonts (/usr/share/fonts,
 * ./usr/local/share/fonts, ~/.fonts) into its process-wide font collection, so Skia can only
 * ever draw with the faces Letterpress registers. Renders must not depend on the machine.
 */
process.env.DISABLE_SYSTEM_FONTS_LOAD = '1';

/** Marker export: importing this module is what matters. */
export const SYSTEM_FONTS_DISABLED = true;
