// Material for MkDocs draws each diagram with the global `mermaid` and styles it through the
// themeCSS of its own mermaid.initialize call, in --md-mermaid-* variables that follow the
// palette, so a diagram changes colour with the light/dark toggle without being drawn again.
// That CSS leaves gantt charts in Mermaid's light defaults, and its sequence arrowhead rule
// (#arrowhead) predates Mermaid 11's per-diagram marker ids: on the dark palette those parts
// were dark grey on dark grey. This adds rules for them, in the same variables, to whatever
// themeCSS Material passes. Listed after mermaid.min.js in mkdocs.yml; Material initializes
// Mermaid later, when it draws the first diagram.
(() => {
  const paletteCSS = `
    .titleText, .sectionTitle, .taskTextOutsideLeft, .taskTextOutsideRight, .grid .tick text {
      fill: var(--md-mermaid-label-fg-color);
    }
    [id$="-arrowhead"] path {
      fill: var(--md-mermaid-sequence-message-line-color);
      stroke: none;
    }
    [id$="-crosshead"] path {
      stroke: var(--md-mermaid-sequence-message-line-color);
    }
  `;
  const initialize = mermaid.initialize.bind(mermaid);
  mermaid.initialize = (config = {}) =>
    initialize({ ...config, themeCSS: (config.themeCSS ?? "") + paletteCSS });
})();
