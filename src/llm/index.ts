/**
 * The LLM layer (Vercel AI SDK). Optional by design: without LLM_PROVIDER, `createLlm` returns undefined, offers
 * use their deterministic template and free text goes to the keyword intents.
 *
 *   const llm = createLlm(config, { logger });                        // Llm | undefined
 *   const assistant = createAssistant(llm, { offers, actions });      // the chat core's `assistant` hook
 *   const { text, llmPath } = await phraseOffer(llm, { db, merchantId, facts, lang, now });
 */
export { createLlm, type Llm, type LlmOptions, DEFAULT_ANSWER_TIMEOUT_MS, DEFAULT_OFFER_TIMEOUT_MS } from "./llm.ts";
export { modelFromConfig, DEFAULT_MODELS, type LlmConfig } from "./provider.ts";
export {
  createAssistant,
  type AssistantFn,
  type AssistantInput,
  type AssistantOptions,
  DEFAULT_ANSWER_MAX_CHARS,
} from "./assistant.ts";
export { DEFAULT_CLAIM_ACTIONS, REFUSAL, type AssistantOffers, type ClaimActions } from "./tools.ts";
export {
  phraseOffer,
  catalogNames,
  fillFirstName,
  OfferPhrasingSchema,
  DEFAULT_OFFER_MAX_CHARS,
  type PhraseOfferInput,
  type PhraseResult,
} from "./offers.ts";
export {
  OFFER_KINDS,
  OfferFactsSchema,
  offerTemplate,
  promptFacts,
  offerFactSet,
  type OfferFacts,
  type OfferKind,
} from "./offer-facts.ts";
export { validateText, CHANNEL_TEXT_LIMIT, type ValidateOptions, type Verdict } from "./validate.ts";
export { FactSet, extractFigures, unknownFigures } from "./figures.ts";
export { detectLang, isLanguage } from "./language.ts";
export { renderPrompt, promptBody, PROMPT_VARIABLES, type PromptTask } from "./prompts.ts";
export { LlmSettingsSchema, llmSettings, type LlmSettings } from "./usage.ts";
export { llmRoutes } from "./routes.ts";
export { fromEngineFacts, phraseEngineOffer, phrasedChatOffers, type ChatOffersPort } from "./engine-offers.ts";
