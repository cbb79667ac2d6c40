// esbuild bundles the stylesheet the entry point imports; for the type check it is opaque.
declare module "*.css";
