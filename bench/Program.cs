using BenchmarkDotNet.Running;
using MMSpec.Bench.Buddy;

namespace MMSpec.Bench;

/// <summary>
/// dotnet run -c Release --project bench -- --filter '*'        runs every benchmark (BenchmarkDotNet)
/// dotnet run -c Release --project bench -- metadata            prints the implementation's metadata per frame
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

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
