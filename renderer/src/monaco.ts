// Monaco's editor API with the editing contributions the SQL editors use (suggest, hover, find,
// format, folding, comments, multi-cursor, line and word operations) and none of its bundled
// languages: DuckDB SQL is registered by editor-setup.ts. Picked from the list in monaco-editor's
// editor.main.js; the rest (command palette, diff editor, code lens, links, sticky scroll ...) is
// left out, as each contribution costs load time on every cold start of an editor page.
import 'monaco-esm/editor/contrib/bracketMatching/browser/bracketMatching.js'
import 'monaco-esm/editor/contrib/clipboard/browser/clipboard.js'
import 'monaco-esm/editor/browser/widget/codeEditor/codeEditorWidget.js'
import 'monaco-esm/base/browser/ui/codicons/codicon/codicon.css'
import 'monaco-esm/editor/contrib/comment/browser/comment.js'
import 'monaco-esm/editor/contrib/contextmenu/browser/contextmenu.js'
import 'monaco-esm/editor/contrib/cursorUndo/browser/cursorUndo.js'
import 'monaco-esm/features/find/register.js'
import 'monaco-esm/editor/contrib/folding/browser/folding.js'
import 'monaco-esm/editor/contrib/format/browser/formatActions.js'
import 'monaco-esm/editor/contrib/gotoError/browser/gotoError.js'
import 'monaco-esm/editor/contrib/hover/browser/hoverContribution.js'
import 'monaco-esm/editor/contrib/linesOperations/browser/linesOperations.js'
import 'monaco-esm/editor/contrib/multicursor/browser/multicursor.js'
import 'monaco-esm/editor/contrib/snippet/browser/snippetController2.js'
import 'monaco-esm/editor/contrib/wordHighlighter/browser/wordHighlighter.js'
import 'monaco-esm/editor/contrib/wordOperations/browser/wordOperations.js'
import 'monaco-esm/editor/browser/coreCommands.js'
import 'monaco-esm/editor/contrib/find/browser/findController.js'
import 'monaco-esm/editor/contrib/suggest/browser/suggestController.js'
import 'monaco-esm/editor/common/standaloneStrings.js'
import 'monaco-esm/base/browser/ui/codicons/codicon/codicon-modifiers.css'

export * from 'monaco-esm/editor/editor.api.js'
