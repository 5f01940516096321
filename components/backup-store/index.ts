export { BackupStore, type BackupStoreArgs } from "./backupStore";
export { backupNames, ROLE_TAG, type BackupNames, type BucketRole } from "../../stacks/backupNames";
