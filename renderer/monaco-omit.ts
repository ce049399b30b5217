// Monaco modules the SQL editors never run, replaced in the build by small stand-ins with the same
// exports. editor.api and the hover contribution import them for features we do not use: diff
// editors, the WebGPU renderer (only with experimentalGpuAcceleration: 'on'), go to definition
// (no definition provider), colour and inlay hint hovers (no colour or inlay providers), quick
// fixes (no code action provider; their controller is not registered), inline completion hints
// and paste providers (contributions not registered), tree-sitter tokenization (no tree-sitter
// grammar in a standalone editor). Left in, they cost the editor's cold start ~0.6 MB of script
// to parse and evaluate. A stand-in throws if the feature is ever reached.
import type { Plugin } from 'vite'

const missing = (feature: string) =>
  `throw new Error('${feature} is not part of the workbench editor build (renderer/monaco-omit.ts)')`

// Path under monaco-editor/esm/vs/ -> the stand-in's source.
export const omittedModules: Readonly<Record<string, string>> = {
  'editor/browser/widget/diffEditor/diffEditorWidget.js': `
    export class DiffEditorWidget { constructor() { ${missing('The diff editor')} } }
    export function toLineChanges() { ${missing('The diff editor')} }`,
  'editor/browser/widget/multiDiffEditor/multiDiffEditorWidget.js': `
    export class MultiDiffEditorWidget { constructor() { ${missing('The multi-file diff editor')} } }`,
  'editor/browser/gpu/viewGpuContext.js': `
    export class ViewGpuContext { constructor() { ${missing('GPU rendering')} } }`,
  'editor/browser/viewParts/viewLinesGpu/viewLinesGpu.js': `
    export class ViewLinesGpu { constructor() { ${missing('GPU rendering')} } }`,
  'editor/browser/viewParts/rulersGpu/rulersGpu.js': `
    export class RulersGpu { constructor() { ${missing('GPU rendering')} } }`,
  'editor/browser/viewParts/gpuMark/gpuMark.js': `
    export class GpuMarkOverlay { constructor() { ${missing('GPU rendering')} } }`,
  'platform/quickinput/browser/quickInputService.js': `
    export class QuickInputService { constructor() { ${missing('The quick input (command palette)')} } }`,
  // The list service tracks workbench lists and trees (none in a standalone editor: the suggest
  // widget's list is not one); its module would bring every tree widget.
  'platform/list/browser/listService.js': `
    import { createDecorator } from '../../instantiation/common/instantiation.js'
    export const IListService = createDecorator('listService')
    export class ListService {
      get lastFocusedList() { return undefined }
      register() { return { dispose() {} } }
      dispose() {}
    }`,
  'editor/contrib/gotoSymbol/browser/link/goToDefinitionAtPosition.js': `
    export class GotoDefinitionAtPositionEditorContribution { static get() { return null } }`,
  'editor/contrib/colorPicker/browser/hoverColorPicker/hoverColorPicker.js': `
    export function isOnColorDecorator() { return false }`,
  'editor/contrib/colorPicker/browser/hoverColorPicker/hoverColorPickerParticipant.js': `
    export class ColorHover {}
    export class HoverColorPickerParticipant {}`,
  'editor/contrib/inlayHints/browser/inlayHintsHover.js': `
    export class InlayHintsHover {}`,
  'editor/contrib/inlineCompletions/browser/hintsWidget/inlineCompletionsHintsWidget.js': `
    export class CustomizedMenuWorkbenchToolBar { constructor() { ${missing('Inline completions')} } }
    export class InlineCompletionsHintsWidget { constructor() { ${missing('Inline completions')} } }
    export class InlineSuggestionHintsContentWidget { static dropDownVisible = false }`,
  // Tree-sitter tokenization: the standalone editor's library service supports no language, so a
  // text model always takes the Monarch tokenizer's backend.
  'editor/common/model/tokens/treeSitter/treeSitterSyntaxTokenBackend.js': `
    export class TreeSitterSyntaxTokenBackend { constructor() { ${missing('Tree-sitter tokenization')} } }`,
  'editor/contrib/codeAction/browser/codeActionController.js': `
    export class CodeActionController { static get() { return null } }`,
  'editor/contrib/dropOrPasteInto/browser/copyPasteController.js': `
    export class CopyPasteController { static get() { return null } }
    export const changePasteTypeCommandId = 'editor.changePasteType'
    export const pasteAsPreferenceConfig = 'editor.pasteAs.preferences'
    export const pasteWidgetVisibleCtx = undefined`,
}

const monacoRoot = '/node_modules/monaco-editor/esm/vs/'

export function monacoOmit(): Plugin {
  return {
    name: 'materia-monaco-omit',
    enforce: 'pre',
    load(id) {
      const at = id.indexOf(monacoRoot)
      if (at < 0) return null
      return omittedModules[id.slice(at + monacoRoot.length).replace(/\?.*$/, '')] ?? null
    },
  }
}
