// Vite's module kinds the renderer imports: bundled web workers and plain CSS.
declare module '*?worker' {
  const WorkerConstructor: new () => Worker
  export default WorkerConstructor
}
declare module '*.css'
