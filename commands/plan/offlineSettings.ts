import { escProvidedKeys } from "./plan";
import { readStackConfig } from "./stackConfig";
import { CONFIG_NAMESPACE, loadStackSettings, StackSettings } from "../../stacks/settings";

/** A stack's validated settings, read offline from its files the way the plan reads them (with the plan's --catalog, if any). */
export function offlineStackSettings(projectDir: string, stack: string, catalogFile?: string): StackSettings {
    const { config } = readStackConfig(projectDir, stack, (environments) => escProvidedKeys(projectDir, catalogFile, environments));
    return loadStackSettings(stack, (key) => config[`${CONFIG_NAMESPACE}:${key}`]);
}
