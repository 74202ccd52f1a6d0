using System.CommandLine;
using MMSpec.Cli.Check;
using MMSpec.Cli.Trace;

var root = new RootCommand("mmspec: check a memory manager against MMSpec's reference model (docs/protocol.md)")
{
    CheckCommand.Create(),
    TraceCommand.Create(),
    ProcCommand.Create(),
};
return root.Parse(args).Invoke();
