/** prompts/*.md are the source of truth; src/llm/prompts.generated.ts embeds them (Workers have no file system). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedSource, GENERATED_PATH, promptFiles } from "../../src/llm/sync-prompts.ts";
import { PROMPT_SOURCES } from "../../src/llm/prompts.generated.ts";
import { PROMPT_VARIABLES, promptBody, promptVariables, renderPrompt, type PromptTask } from "../../src/llm/prompts.ts";

describe("prompts", () => {
  it("the embedded copy equals prompts/*.md (run `node src/llm/sync-prompts.ts` after editing a prompt)", () => {
    const files = promptFiles();
    expect(Object.keys(files).sort()).toEqual(["answer.en", "answer.vi", "offer.en", "offer.vi"]);
    expect(PROMPT_SOURCES).toEqual(files);
    expect(readFileSync(GENERATED_PATH, "utf8")).toBe(generatedSource(files));
  });

  for (const task of ["offer", "answer"] as PromptTask[]) {
    for (const lang of ["vi", "en"] as const) {
      it(`${task}.${lang}: documents its variables at the top and renders with exactly them`, () => {
        const src = PROMPT_SOURCES[`${task}.${lang}`]!;
        const header = /^<!--([\s\S]*?)-->/.exec(src)?.[1] ?? "";
        expect(header).toMatch(/Variables/);
        for (const v of PROMPT_VARIABLES[task]) expect(header).toContain(`\${${v}}`);
        expect(promptVariables(task, lang).sort()).toEqual([...PROMPT_VARIABLES[task]].sort());
        const vars = Object.fromEntries(PROMPT_VARIABLES[task].map((v) => [v, `<${v}>`]));
        const out = renderPrompt(task, lang, vars);
        expect(out).not.toContain("<!--");
        expect(out).not.toMatch(/\$\{\w+\}/);
        for (const v of PROMPT_VARIABLES[task]) expect(out).toContain(`<${v}>`);
        expect(() => renderPrompt(task, lang, {})).toThrow(/missing variable/);
        expect(promptBody(task, lang).length).toBeGreaterThan(200);
      });
    }
  }
});
