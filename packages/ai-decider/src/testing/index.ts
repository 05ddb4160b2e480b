export { candlesFrom, sampleCloses, sampleContext } from './context.js'
export {
  createScriptedDecider,
  hangingStep,
  type ScriptedDecider,
  type ScriptedDeciderOptions,
  type ScriptStep,
} from './scripted.js'
