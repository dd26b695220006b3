// Stands in for form-data in every build (scripts/bundle-plugins.mjs, QUIET_ALIASES): axios
// loads it, with about twenty small packages, to send multipart bodies, and pullkey's Vault calls
// send JSON only. Should anything ever build a multipart body, it fails here, clearly.
module.exports = class FormData {
  constructor() {
    throw new Error("pullkey sends no multipart bodies: form-data is not bundled");
  }
};
