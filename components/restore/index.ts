export { Restore, type RestoreArgs } from "./restore";
export { RESTORE_OF_LABEL, restoreJob, type RestoreJobSettings } from "./job";
