// The Electron fuses this app flips at build time, as a pure function of the build so a unit test can
// pin them (electron/flip-fuses.ts writes them into the binary with @electron/fuses). From Electron's
// fuses guide (docs/tutorial/fuses.md):
// - runAsNode off: ELECTRON_RUN_AS_NODE would turn our signed binary into a plain Node; the app never
//   forks (the workbench server runs in-process).
// - cookieEncryption on: the cookie store (our per-launch token cookie) is encrypted with OS keys;
//   "most apps can safely enable this fuse".
// - NODE_OPTIONS and --inspect off: both inject code into the main process from outside.
// - embeddedAsarIntegrityValidation and onlyLoadAppFromAsar: only when the build has an app.asar
//   (the guide: integrity is validated for app.asar; without one the app could not load at all).
// - browser-process V8 snapshot off (we ship none); file: extra privileges off (we load http://127.0.0.1).
import { FuseV1Options, FuseVersion } from '@electron/fuses'

export interface FuseBuild {
  readonly hasAsar: boolean
}

export function fuseConfig(build: FuseBuild) {
  return {
    version: FuseVersion.V1,
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: build.hasAsar,
    [FuseV1Options.OnlyLoadAppFromAsar]: build.hasAsar,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  } as const
}
