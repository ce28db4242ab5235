import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  // The core schema plus one `tables.ts` per feature module (offers, campaigns, channels…).
  schema: ["./src/db/schema.ts", "./src/*/tables.ts"],
  out: "./migrations",
});
