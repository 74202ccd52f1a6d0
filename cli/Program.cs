using System.CommandLine;
using MMSpec.Cli.Campaign;
using MMSpec.Cli.Check;
using MMSpec.Cli.Serve;
using MMSpec.Cli.Trace;

var root = new RootCommand("mmspec: check a memory manager against MMSpec's reference model (docs/protocol.md)")
{
    CheckCommand.Create(),
    ReplayCommand.Create(),
    TraceCommand.Create(),
    ProcCommand.Create(),
    ServeCommand.Create(),
    CampaignCommand.Create(),
};
return root.Parse(args).Invoke();
