using System.Globalization;
using System.Text;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Conformance.Protocol;

/// <summary>
/// A buddy allocator that is a process speaking the protocol (docs/protocol.md, "Buddy requests"): each call one
/// request line, each snapshot one too. Made fresh for each case by a reset over its layout, so one process serves
/// a whole campaign. A process with the capability <see cref="SnapshotRange"/> answers the incremental check's
/// snapshots of a frame range with those blocks only. Inside <see cref="Pipelined.Check{T}"/>, with a process that
/// pipelines, each free and snapshot is answered at once by the model's prediction and posted ahead, to be checked
/// at the next allocation or when the case settles.
/// </summary>
public sealed class ProcessBuddy : IBuddyAllocator
{
    /// <summary>The capability of a snapshot request limited to the blocks that start in a frame range.</summary>
    public const string SnapshotRange = "snapshot_range";

    /// <summary>
    /// The capability of an allocator that hands out the lowest-pfn block of the free list it takes from (the model's
    /// choice): while pipelining, its allocations are predicted too.
    /// </summary>
    public const string LowestPfn = "lowest_pfn";

    private readonly ProtocolSession _session;
    private readonly bool _ranges;
    private readonly bool _lowest;
    private readonly StringBuilder _text = new(1024);
    private readonly string _layoutText;

    /// <summary>What predicts the answers while the session pipelines, or null (calls in turn).</summary>
    private IBuddyAllocator? _prediction;

    /// <summary>
    /// A process allocator over <paramref name="layout"/>, reset to it. While pipelining, the model predicts its
    /// answers, or, for a process with <see cref="LowestPfn"/>, <paramref name="predictor"/> when given: any
    /// allocator that answers as the model does with that placement (MMSpec's own is faster than the model).
    /// </summary>
    public ProcessBuddy(ProtocolSession session, MemoryLayout layout,
        Func<MemoryLayout, IBuddyAllocator>? predictor = null)
    {
        _session = session;
        _ranges = session.Capabilities.Contains(SnapshotRange);
        _lowest = session.Capabilities.Contains(LowestPfn);
        Layout = layout;
        _layoutText = MmJson.Serialize(layout);
        _prediction = !Pipelined.Enlist(session) ? null
            : _lowest && predictor is not null ? predictor(layout)
            : new BuddyModel(layout);
        session.Reset(layout, ahead: _prediction is not null);
    }

    public MemoryLayout Layout { get; }

    /// <summary>
    /// Predicted only for an allocator with the capability <see cref="LowestPfn"/>. Any other may hand out any block
    /// of the smallest sufficient order, and later requests name the block it chose: the call waits for its answer,
    /// and the prediction takes that block too, or, if the model could not have chosen it (a rule the lockstep
    /// reports), predicts nothing more in this case.
    /// </summary>
    public Result<Pfn> AllocPages(Order order, ZoneType highestZone)
    {
        var op = new AllocPages(order, highestZone);
        var request = MmJson.Serialize<BuddyOp>(op);
        if (_lowest && _prediction is { } prediction)
        {
            return Predict(request, prediction.AllocPages(order, highestZone));
        }

        var answer = _session.Call<Pfn>(request);
        if (_prediction is BuddyModel model && model.Adopt(op, answer) is not null)
        {
            _prediction = null;
        }

        return answer;
    }

    public Result<Unit> FreePages(Pfn pfn, Order order)
    {
        var request = MmJson.Serialize<BuddyOp>(new FreePages(pfn, order));
        return _prediction is { } model ? Predict(request, model.FreePages(pfn, order)) : _session.Call<Unit>(request);
    }

    public BuddySnapshot Snapshot() =>
        _prediction is { } model ? Predict(ProtocolSession.SnapshotRequest, model.Snapshot())
            : _session.Value<BuddySnapshot>(ProtocolSession.SnapshotRequest);

    public BuddySnapshot SnapshotOf(PfnRange frames)
    {
        if (!_ranges)
        {
            return Snapshot().Within(frames);
        }

        var request = MmJson.Serialize(new SnapshotRangeRequest("snapshot", frames));
        return _prediction is { } model ? Predict(request, model.SnapshotOf(frames))
            : _session.Value<BuddySnapshot>(request);
    }

    private Result<T> Predict<T>(string request, Result<T> predicted)
    {
        // The usual answers' text, {"ok":16} or {"ok":{}}, is compared as is (not read) when the process writes it
        // without spaces.
        var text = !predicted.IsOk ? null
            : predicted.Value is Pfn pfn ? $"{{\"ok\":{pfn.Value.ToString(CultureInfo.InvariantCulture)}}}"
            : """{"ok":{}}""";
        _session.Predict<T>(request, answer => answer == predicted, text);
        return predicted;
    }

    private BuddySnapshot Predict(string request, BuddySnapshot predicted)
    {
        _session.Predict<BuddySnapshot>(request, answer => answer.IsOk && answer.Value.SameBlocks(predicted),
            AnswerText(predicted, _layoutText, _text));
        return predicted;
    }

    /// <summary>
    /// The snapshot answer as MmJson writes it, blocks in pfn order, built directly: reading a snapshot costs more
    /// than checking the step it belongs to, and a process that writes the same text need not be read.
    /// </summary>
    internal static string AnswerText(BuddySnapshot snapshot, string layoutText, StringBuilder text)
    {
        text.Clear().Append("""{"ok":{"layout":""").Append(layoutText).Append(""","free":[""");
        Blocks(text, snapshot.Free.AsSpan()).Append("""],"allocated":[""");
        return Blocks(text, snapshot.Allocated.AsSpan()).Append("]}}").ToString();
    }

    private static StringBuilder Blocks(StringBuilder text, ReadOnlySpan<Block> blocks)
    {
        for (var i = 0; i < blocks.Length; i++)
        {
            text.Append(i == 0 ? """{"pfn":""" : """,{"pfn":""").Append(blocks[i].Pfn.Value)
                .Append(""","order":""").Append(blocks[i].Order.Value).Append('}');
        }

        return text;
    }
}

/// <summary>A snapshot of the blocks that start in <see cref="Frames"/> (the capability "snapshot_range").</summary>
public sealed record SnapshotRangeRequest(string Op, PfnRange Frames);
