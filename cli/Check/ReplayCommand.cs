using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MMSpec.Cli.Serve;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Cli.Check;

/// <summary>
/// `mmspec replay &lt;trace.json&gt; --exec "&lt;command line&gt;" | --builtin`: runs again the property a
/// counterexample trace came from (its test, seed and gamma), against the target: the same case, shrunk again, the
/// same broken rule if the target still has the bug.
/// </summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var trace = new Argument<FileInfo>("trace") { Description = "a counterexample's JSON trace" };
        var exec = new Option<string?>("--exec") { Description = "the command line of the process under test" };
        var builtin = new Option<bool>("--builtin") { Description = "replay against MMSpec's own implementation" };
        var timeout = new Option<double>("--timeout")
        {
            Description = "seconds the process may take to answer one request",
            DefaultValueFactory = _ => 5,
        };
        var json = new Option<bool>("--json") { Description = "a machine-readable report on standard output" };
        var command = new Command("replay", "replay a counterexample's JSON trace against an implementation")
        {
            trace, exec, builtin, timeout, json,
        };
        command.SetAction(parsed =>
        {
            var path = parsed.GetValue(trace)!.FullName;
            if (Read(path) is not { } replay)
            {
                Console.Error.WriteLine($"mmspec replay: {path} is not a counterexample trace (test, seed, gamma)");
                return CheckCommand.UsageOrProtocol;
            }

            var options = new CheckOptions(replay.Component, parsed.GetValue(exec), parsed.GetValue(builtin),
                Level.Exact, null, replay.Seed, TimeSpan.FromSeconds(parsed.GetValue(timeout)), parsed.GetValue(json))
            {
                Only = replay.Test,
                Gamma = replay.Gamma,
            };
            return CheckCommand.Check(options);
        });
        return command;
    }

    /// <summary>The property, seed and gamma of a trace, and the component its operations belong to.</summary>
    public static (string Component, string Test, ulong Seed, ulong Gamma)? Read(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            var test = root.GetProperty("test").GetString()!;
            var seed = ulong.Parse(root.GetProperty("seed").GetString()!, CultureInfo.InvariantCulture);
            var gamma = ulong.Parse(root.GetProperty("gamma").GetString()!, CultureInfo.InvariantCulture);
            var ops = root.GetProperty("operations").EnumerateArray()
                .Select(o => o.TryGetProperty("op", out var op) ? op.GetString() : null);
            var component = ops.FirstOrDefault(o => o is not null) switch
            {
                "alloc_pages" or "free_pages" => "buddy",
                "kmalloc" or "kfree" or "kmem_cache_create" or "kmem_cache_alloc" or "kmem_cache_free" => "slab",
                { } name when ReclaimServer.ReclaimOps.Contains(name) && name is not ("mmap" or "munmap") => "reclaim",
                _ => null,
            };
            return component is null ? null : (component, test[(test.LastIndexOf('.') + 1)..], seed, gamma);
        }
        catch (Exception e) when (e is JsonException or IOException or KeyNotFoundException or FormatException
            or InvalidOperationException)
        {
            return null;
        }
    }
}
