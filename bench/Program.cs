using BenchmarkDotNet.Running;
using MMSpec.Bench.Buddy;
using MMSpec.Bench.Lockstep;
using MMSpec.Bench.Reclaim;
using MMSpec.Bench.MemorySystem;
using MMSpec.Bench.Tlb;

namespace MMSpec.Bench;

/// <summary>
/// dotnet run -c Release --project bench -- --filter '*'        runs every benchmark (BenchmarkDotNet)
/// dotnet run -c Release --project bench -- metadata            prints the implementation's metadata per frame
/// dotnet run -c Release --project bench -- hitrates            prints the TLB hit rate of each MMU workload
/// dotnet run -c Release --project bench -- checker             prints checked lockstep steps per second per component
/// dotnet run -c Release --project bench -- protocol ["cmd"]    prints checked buddy steps per second through a process
/// dotnet run -c Release --project bench -- reclaim [side]      prints pages reclaimed and compacted per second
/// dotnet run -c Release --project bench -- system              prints checked whole-system operations and slow-path
///                                                              allocations per second
/// </summary>
internal static class Program
{
    private static void Main(string[] args)
    {
        if (args is ["metadata"])
        {
            MetadataReport.Print(Console.Out);
            return;
        }

        if (args is ["hitrates"])
        {
            HitRateReport.Print(Console.Out);
            return;
        }

        if (args is ["checker", ..])
        {
            CheckerReport.Print(Console.Out, args.Length > 1 ? args[1] : string.Empty);
            return;
        }

        if (args is ["protocol", ..])
        {
            ProtocolReport.Print(Console.Out, args.Length > 1 ? args[1] : null);
            return;
        }

        if (args is ["reclaim", ..])
        {
            ReclaimReport.Print(Console.Out, args.Length > 1 ? args[1] : string.Empty);
            return;
        }

        if (args is ["system"])
        {
            SystemReport.Print(Console.Out);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
