/** Syntax highlighting for code blocks, loaded on demand so it is not in the initial bundle. */
import rehypeHighlight from "rehype-highlight";

export default rehypeHighlight;
