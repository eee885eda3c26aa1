#!/usr/bin/env node
// The one executable: `batchpool-operator run` (the controller) and `batchpool-operator simulator`
// (the local Azure stand-in). Subcommands load lazily so the simulator never pulls in the
// Kubernetes client and the controller never pulls in the simulator.

const USAGE = `usage: batchpool-operator <command> [flags]

commands:
  run         run the controller (watches BatchPools, reconciles them against Azure Batch)
  simulator   run the local Azure stand-in (Batch data plane, ARM images, Entra ID) on 127.0.0.1
  import      print a BatchPool manifest (spec.adoption: Adopt) for every pool of a Batch account

Run "batchpool-operator <command> --help" for the flags of a command.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': {
      const { runCommand } = await import('./main.ts');
      return runCommand(rest);
    }
    case 'simulator': {
      const { simulatorCommand } = await import('./simulator/cli.ts');
      return simulatorCommand(rest);
    }
    case 'import': {
      const { importCommand } = await import('./import/command.ts');
      return importCommand(rest);
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`batchpool-operator: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
