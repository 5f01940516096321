// Runs one provider create in a process of its own, as the Pulumi engine would: the fault suite
// kills it between the launch and the state write. Inputs arrive as JSON in LAMBDA_CREATE_INPUTS.
import { machineProvider, type MachineInputs } from "../../clusters/lambda/provider";

const inputs = JSON.parse(process.env.LAMBDA_CREATE_INPUTS ?? "{}") as MachineInputs;
machineProvider.create(inputs).then(
    (created) => process.stdout.write(JSON.stringify(created) + "\n"),
    (error: Error) => {
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 1;
    },
);
