using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using MMSpec.Cli.Serve;
using MMSpec.Conformance.Protocol;
using MMSpec.Impl.Buddy;
using MMSpec.Impl.MemorySystem;
using MMSpec.Impl.Reclaim;
using MMSpec.Impl.Slab;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.MemorySystem;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Slab;

namespace MMSpec.Cli.Trace;

/// <summary>
/// `mmspec proc buddyinfo|slabinfo|meminfo|vmstat|zoneinfo &lt;trace.jsonl&gt;`: runs a trace's requests (as
/// `mmspec trace` prints them) on MMSpec's implementation and prints the /proc view of the state they leave, as
/// Linux 6.18 formats it: buddyinfo of a buddy trace or of the page allocator under a slab, reclaim or system trace,
/// slabinfo of a slab or system trace, the reclaim lines of meminfo and vmstat of a reclaim trace, and the whole
/// system's meminfo, vmstat and zoneinfo lines of a system trace.
/// </summary>
public static class ProcCommand
{
    public static Command Create()
    {
        var view = new Argument<string>("view") { Description = "buddyinfo, slabinfo, meminfo, vmstat or zoneinfo" };
        var trace = new Argument<FileInfo>("trace") { Description = "JSON lines: hello, reset, then calls" };
        var command = new Command("proc", "print the /proc view of the state a trace leaves") { view, trace };
        command.SetAction(parsed =>
        {
            var name = parsed.GetValue(view);
            if (name is not ("buddyinfo" or "slabinfo" or "meminfo" or "vmstat" or "zoneinfo"))
            {
                Console.Error.WriteLine("mmspec proc: the views are: buddyinfo, slabinfo, meminfo, vmstat, zoneinfo");
                return 2;
            }

            try
            {
                Console.Out.Write(View(name, [.. File.ReadLines(parsed.GetValue(trace)!.FullName)]));
                return 0;
            }
            catch (Exception e) when (e is JsonException or IOException or InvalidDataException)
            {
                Console.Error.WriteLine($"mmspec proc: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>The view <paramref name="view"/> of the state a trace leaves, by the component its hello
    /// names.</summary>
    public static string View(string view, IReadOnlyList<string> lines)
    {
        var component = lines.Count > 0 ? JsonNode.Parse(lines[0])?["component"]?.GetValue<string>() : null;
        return (view, component) switch
        {
            ("buddyinfo", "buddy") => BuddyInfo.Render(Replay(lines)),
            ("buddyinfo", "slab") => BuddyInfo.Render(ReplaySlab(lines).Pages),
            ("slabinfo", "slab") => SlabInfo.Render(ReplaySlab(lines)),
            ("buddyinfo", "reclaim") => BuddyInfo.Render(ReplayReclaim(lines).Pages),
            ("meminfo", "reclaim") => MemInfo.Render(ReplayReclaim(lines)),
            ("vmstat", "reclaim") => ReplayReclaim(lines).Events.VmstatText(),
            ("buddyinfo", "system") => BuddyInfo.Render(ReplaySystem(lines).Reclaim.Pages),
            ("slabinfo", "system") => SlabInfo.Render(ReplaySystem(lines).Slab),
            ("meminfo", "system") => SystemViews.MemInfo(ReplaySystem(lines)),
            ("vmstat", "system") => SystemViews.VmStat(ReplaySystem(lines)),
            ("zoneinfo", "system") => SystemViews.ZoneInfo(ReplaySystem(lines)),
            _ => throw new InvalidDataException($"no {view} for a trace of {component ?? "no component"}"),
        };
    }

    /// <summary>The slab implementation's state after a slab trace's requests; a reset starts it afresh.</summary>
    public static SlabSnapshot ReplaySlab(IEnumerable<string> lines) =>
        ReplayOn<ISlabAllocator>(lines,
            line => new SlabAllocator(new BuddyAllocator(MmJson.Deserialize<ResetLine>(line).Layout)),
            (slab, line) => _ = SlabServer.Call(slab, MmJson.Deserialize<SlabOp>(line))).Snapshot();

    /// <summary>
    /// The reclaim implementation's state after a reclaim trace's requests; a reset starts it afresh.
    /// </summary>
    public static ReclaimSnapshot ReplayReclaim(IEnumerable<string> lines) =>
        ReplayOn<IReclaimSystem>(lines,
            line => new ReclaimSystem(MmJson.Deserialize<ReclaimResetRequest>(line).Config),
            (system, line) => _ = MmJson.Deserialize<ReclaimOp>(line).ApplyTo(system)).Snapshot();

    /// <summary>The implementations composed after a system trace's requests; a reset starts it afresh.</summary>
    public static SystemSnapshot ReplaySystem(IEnumerable<string> lines) =>
        ReplayOn<IMemorySystem>(lines, line => ImplSystem.Create(MmJson.Deserialize<SystemResetRequest>(line).Config),
            (system, line) => _ = MmJson.Deserialize<SystemOp>(line).ApplyTo(system)).Snapshot();

    /// <summary>The buddy implementation's state after the trace's requests; a reset starts it afresh.</summary>
    public static BuddySnapshot Replay(IEnumerable<string> lines) =>
        ReplayOn<IBuddyAllocator>(lines, line => new BuddyAllocator(MmJson.Deserialize<ResetLine>(line).Layout),
            (buddy, line) => Apply(buddy, MmJson.Deserialize<BuddyOp>(line))).Snapshot();

    /// <summary>
    /// A trace's requests replayed on a component: hello and snapshot lines skipped, a reset making a fresh system
    /// (<paramref name="reset"/>), every other request applied to the current one; the system the last left.
    /// </summary>
    private static T ReplayOn<T>(IEnumerable<string> lines, Func<string, T> reset, Action<T, string> apply)
        where T : class
    {
        T? system = null;
        var number = 0;
        foreach (var line in lines)
        {
            number++;
            switch (Op(line, number))
            {
                case "hello" or "snapshot":
                    break;
                case "reset":
                    system = reset(line);
                    break;
                case var op:
                    apply(system ?? throw new InvalidDataException($"line {number}: {op} before any reset"), line);
                    break;
            }
        }

        return system ?? throw new InvalidDataException("the trace has no reset");
    }

    private static string Op(string line, int number) =>
        JsonNode.Parse(line)?["op"]?.GetValue<string>()
        ?? throw new InvalidDataException($"line {number}: a request needs \"op\"");

    private static void Apply(IBuddyAllocator buddy, BuddyOp op)
    {
        _ = op switch
        {
            AllocPages a => buddy.AllocPages(a.Order, a.HighestZone).IsOk,
            FreePages f => buddy.FreePages(f.Pfn, f.Order).IsOk,
            _ => throw new InvalidDataException($"not a buddy call: {op}"),
        };
    }

    private sealed record ResetLine(string Op, MemoryLayout Layout);
}
