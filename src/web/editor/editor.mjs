// SPDX-License-Identifier: LGPL-2.1-or-later
// The page's code editor: CodeMirror 6 with a language for each interpreter sandrun offers. esbuild
// bundles this into src/web/editor.js (see build.mjs), which defines window.SandrunEditor for app.js.
// Colours come from the page's CSS variables (style.css), so light and dark follow the system there.

import { EditorState, Compartment } from '@codemirror/state';
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars,
  drawSelection,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import {
  HighlightStyle, StreamLanguage, bracketMatching, indentOnInput, indentUnit, syntaxHighlighting,
} from '@codemirror/language';
import { highlightSelectionMatches, search, searchKeymap } from '@codemirror/search';
import { tags as t } from '@lezer/highlight';
import { python } from '@codemirror/lang-python';
import { javascript } from '@codemirror/lang-javascript';
import { cpp } from '@codemirror/lang-cpp';
import { java } from '@codemirror/lang-java';
import { go } from '@codemirror/lang-go';
import { rust } from '@codemirror/lang-rust';
import { shell } from '@codemirror/legacy-modes/mode/shell';
import { perl } from '@codemirror/legacy-modes/mode/perl';

// Interpreter names from GET /languages to their CodeMirror language; a name not here gets plain text.
const LANGUAGES = {
  python: () => python(),
  node: () => javascript(),
  javascript: () => javascript(),
  c: () => cpp(),
  'c++': () => cpp(),
  cpp: () => cpp(),
  java: () => java(),
  go: () => go(),
  rust: () => rust(),
  bash: () => StreamLanguage.define(shell),
  sh: () => StreamLanguage.define(shell),
  perl: () => StreamLanguage.define(perl),
};

// Token colours as CSS variables: style.css gives them values for light and for dark.
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.controlKeyword, t.moduleKeyword, t.operatorKeyword], color: 'var(--syn-keyword)' },
  { tag: [t.string, t.special(t.string), t.regexp, t.character], color: 'var(--syn-string)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--syn-number)' },
  { tag: [t.comment, t.lineComment, t.blockComment, t.docComment], color: 'var(--syn-comment)', fontStyle: 'italic' },
  { tag: [t.function(t.variableName), t.function(t.propertyName), t.macroName], color: 'var(--syn-function)' },
  { tag: [t.typeName, t.className, t.namespace, t.standard(t.variableName)], color: 'var(--syn-type)' },
  { tag: [t.definition(t.variableName), t.propertyName, t.attributeName], color: 'var(--syn-name)' },
  { tag: [t.processingInstruction, t.meta, t.annotation], color: 'var(--syn-meta)' },
  { tag: t.invalid, color: 'var(--syn-invalid)' },
]);

const theme = EditorView.theme({
  '&': { color: 'var(--text)', backgroundColor: 'var(--bg-sunken)', height: '100%', fontSize: 'var(--code-size)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: 'var(--code-line)' },
  '.cm-content': { caretColor: 'var(--accent)', padding: '14px 0' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--accent)', borderLeftWidth: '2px' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground': {
    backgroundColor: 'var(--selection)',
  },
  '.cm-gutters': { backgroundColor: 'var(--bg-sunken)', color: 'var(--gutter)', borderRight: '1px solid var(--border)' },
  '.cm-lineNumbers .cm-gutterElement': { padding: '0 10px 0 14px', fontVariantNumeric: 'tabular-nums' },
  '.cm-activeLine': { backgroundColor: 'var(--active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--active-line)', color: 'var(--text-muted)' },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: 'var(--accent-soft)', outline: '1px solid var(--accent)' },
  '&.cm-focused .cm-nonmatchingBracket': { backgroundColor: 'var(--bad-soft)' },
  '.cm-panels': { backgroundColor: 'var(--bg-elevated)', color: 'var(--text)' },
  '.cm-panels-top': { borderBottom: '1px solid var(--border)' },
  '.cm-textfield, .cm-button': { fontSize: '14px' },
  '.cm-searchMatch': { backgroundColor: 'var(--warn-soft)', outline: '1px solid var(--warn)' },
  '.cm-selectionMatch': { backgroundColor: 'var(--accent-soft)' },
});

// The rest of CodeMirror's base theme has a light and a dark variant; pick the system's.
const darkQuery = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

function create({ parent, doc = '', language = '', contentAttributes = {}, onChange = null, onRun = null }) {
  const languageSlot = new Compartment();
  const darkSlot = new Compartment();
  const isDark = () => !!(darkQuery && darkQuery.matches);
  const languageFor = (name) => (LANGUAGES[name] ? LANGUAGES[name]() : []);

  let currentLanguage = language;
  const extensionsFor = (name) => [
    lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), drawSelection(),
    indentOnInput(), bracketMatching(), highlightActiveLine(), highlightSelectionMatches(),
    search({ top: true }), indentUnit.of('    '), EditorState.tabSize.of(4),
    syntaxHighlighting(highlight), theme, darkSlot.of(EditorView.darkTheme.of(isDark())),
    languageSlot.of(languageFor(name)),
    EditorView.contentAttributes.of(contentAttributes),
    keymap.of([
      // Ctrl+Enter (Cmd+Enter) runs the program instead of inserting a blank line.
      { key: 'Mod-Enter', run: () => { if (onRun) onRun(); return !!onRun; } },
      ...defaultKeymap, ...historyKeymap, ...searchKeymap,
      // Tab indents; Escape then Tab leaves the editor (CodeMirror's tab focus mode).
      indentWithTab,
    ]),
    // Typing over a selection lets Chromium's editing code carry the replaced text's look along as a
    // style="" attribute, which the page's CSP blocks (a violation event; CodeMirror redraws anyway).
    // Replacing the selection here, before the browser edits the DOM, keeps the page free of them.
    EditorView.domEventHandlers({
      beforeinput(event, view) {
        if (event.inputType !== 'insertText' || event.isComposing || typeof event.data !== 'string') return false;
        if (view.state.selection.ranges.every((r) => r.empty)) return false;
        event.preventDefault();
        view.dispatch({ ...view.state.replaceSelection(event.data), userEvent: 'input.type', scrollIntoView: true });
        return true;
      },
    }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged && onChange) onChange(update.state.doc.toString());
    }),
  ];

  const view = new EditorView({ parent, state: EditorState.create({ doc, extensions: extensionsFor(language) }) });
  if (darkQuery && darkQuery.addEventListener)
    darkQuery.addEventListener('change', () => view.dispatch({
      effects: darkSlot.reconfigure(EditorView.darkTheme.of(isDark())),
    }));

  return {
    view,
    getValue: () => view.state.doc.toString(),
    // Replaces the whole text as a fresh document: the cursor at the start, no undo back into the old one.
    setValue(text) {
      view.setState(EditorState.create({ doc: text, extensions: extensionsFor(currentLanguage) }));
    },
    setLanguage(name) {
      currentLanguage = name;
      view.dispatch({ effects: languageSlot.reconfigure(languageFor(name)) });
    },
    focus: () => view.focus(),
    languages: Object.keys(LANGUAGES),
  };
}

window.SandrunEditor = { create };
