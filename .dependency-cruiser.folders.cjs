/**
 * Folder-level cycles between the capability folders of src/ (`npm run lint:deps`, second pass).
 *
 * dependency-cruiser derives folder dependencies from every module it sees, and the composition root (src/app.ts,
 * src/deps.ts, src/config.ts, the runtime entries) necessarily meets every capability both ways. So this pass looks
 * only at the modules inside capability folders; the layer rules themselves live in .dependency-cruiser.cjs.
 */
const main = require("./.dependency-cruiser.cjs");

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-folder-cycles",
      comment: "Capability folders of src/ depend on each other one way only (move shared code to src/lib).",
      severity: "error",
      scope: "folder",
      from: {},
      to: { circular: true },
    },
  ],
  options: { ...main.options, includeOnly: "^src/[^/]+/" },
};
