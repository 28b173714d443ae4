/** Vite turns CSS imports into <link> tags at build time; the type checker only needs to know they exist. */
declare module '*.css';
