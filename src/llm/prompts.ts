/**
 * Prompts: `prompts/<task>.<lang>.md` is the source of truth, embedded in `prompts.generated.ts` (runtime-neutral:
 * no file system needed). A prompt starts with an HTML comment documenting its variables, which is not sent;
 * variables are written `${name}` and every one must be given.
 */
import type { Lang } from "../messages/render.ts";
import { PROMPT_SOURCES } from "./prompts.generated.ts";

export type PromptTask = "offer" | "answer";

/** The variables each task's prompts take (both languages). */
export const PROMPT_VARIABLES: Record<PromptTask, readonly string[]> = {
  offer: ["shop", "facts", "maxChars"],
  answer: ["shop", "firstName", "today", "maxChars"],
};

/** The prompt text without its documentation header. */
export function promptBody(task: PromptTask, lang: Lang): string {
  const src = PROMPT_SOURCES[`${task}.${lang}`];
  if (src === undefined) throw new Error(`no prompt ${task}.${lang}`);
  return src.replace(/^\s*<!--[\s\S]*?-->\s*/, "");
}

/** Variables used in a prompt body (`${name}`). */
export function promptVariables(task: PromptTask, lang: Lang): string[] {
  return [...new Set([...promptBody(task, lang).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!))];
}

export function renderPrompt(task: PromptTask, lang: Lang, vars: Readonly<Record<string, string | number>>): string {
  return promptBody(task, lang).replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`prompt ${task}.${lang}: missing variable ${name}`);
    return String(v);
  });
}
