using System.CommandLine;

namespace MMSpec.Cli.Trace;

/// <summary>
/// `mmspec trace buddy|slab|paging|tlb|reclaim --seed S [--size N]`: the generated case of that seed as the JSON
/// lines a check sends the process (hello, reset, then each call with its handles resolved against MMSpec's own
/// implementation: <see cref="Traces"/>); a file of them is what `mmspec proc` reads.
/// </summary>
public static class TraceCommand
{
    public static Command Create()
    {
        var component = new Argument<string>("component") { Description = "buddy, slab, paging, tlb or reclaim" };
        var seed = new Option<ulong>("--seed") { Description = "the seed of the generated case", Required = true };
        var size = new Option<int>("--size")
        {
            Description = "the generator's size (longer sequences for larger sizes)",
            DefaultValueFactory = _ => 50,
        };
        var command = new Command("trace", "print a generated case as protocol requests, one JSON line each")
        {
            component, seed, size,
        };
        command.SetAction(parsed =>
        {
            var name = parsed.GetValue(component)!;
            if (!Traces.Components.Contains(name))
            {
                Console.Error.WriteLine($"mmspec trace: the components are {string.Join(", ", Traces.Components)}");
                return 2;
            }

            foreach (var line in Traces.Of(name, parsed.GetValue(seed), Math.Max(1, parsed.GetValue(size))))
            {
                Console.Out.WriteLine(line);
            }

            return 0;
        });
        return command;
    }
}
