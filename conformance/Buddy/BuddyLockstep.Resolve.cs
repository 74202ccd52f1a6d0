using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Conformance.Buddy;

/// <summary>
/// The buddy lockstep's steps resolved to calls, the calls run on both sides, and the scenarios tracked.
/// </summary>
public sealed partial class BuddyLockstep
{
    private BuddyOp? Resolve(BuddyStep step)
    {
        switch (step)
        {
            case Alloc a:
                return new AllocPages(new Order(a.Order), a.Zone);
            case FreeRaw r:
                return new FreePages(new Pfn(r.Pfn), new Order(r.Order));
            case FreeAgain again:
                return _blocks.TryPickGone(again.Handle, out var freed) ? ToFree(freed) : null;
        }

        if (_blocks.Count == 0)
        {
            return null;
        }

        return step switch
        {
            Free f => ToFree(_blocks[f.Handle]),
            FreeLast => ToFree(_blocks.Last),
            FreeWrongOrder w =>
                new FreePages(_blocks[w.Handle].Pfn, new Order(_blocks[w.Handle].Order.Value + w.Delta)),
            FreeInterior i => Interior(_blocks[i.Handle], i.Offset),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, "unknown buddy step"),
        };
    }

    private static FreePages ToFree(Block block) => new(block.Pfn, block.Order);

    private static FreePages Interior(Block block, int offset) =>
        block.Order.Pages == 1
            ? new FreePages(new Pfn(block.Pfn.Value + 1), new Order(0))
            : new FreePages(new Pfn(block.Pfn.Value + 1 + ((ulong)offset % (block.Order.Pages - 1))), new Order(0));

    /// <summary>The call on both sides; its trace text built here, only when wanted (no delegate, no boxing).</summary>
    private (MmError? Error, string? Why) RunAlloc(AllocPages alloc, StepLog log)
    {
        var result = impl.AllocPages(alloc.Order, alloc.HighestZone);
        _lastPfn = result.IsOk ? result.Value : null;
        if (log.Tracing)
        {
            log.Call = $"{alloc} = {result}";
        }

        return (result.Error, model.Adopt(alloc, result));
    }

    /// <summary>
    /// free_pages on both sides: the model must permit the result (<see cref="SharedRules.Permits{T, TState}"/>; below
    /// the exact level a refusal may name any error of <see cref="BuddyModel.FreeErrors"/>).
    /// </summary>
    private (MmError? Error, string? Why) RunFree(FreePages free, StepLog log)
    {
        var result = impl.FreePages(free.Pfn, free.Order);
        var expected = model.FreePages(free.Pfn, free.Order);
        if (log.Tracing)
        {
            log.Call = $"{free} = {result}";
        }

        var why = SharedRules.Permits(checks, result, expected, (model, free),
            static s => s.model.FreeErrors(s.free.Pfn, s.free.Order));
        return (result.Error, why);
    }

    /// <summary>The live and freed blocks after a step that passed, and the scenarios it reached.</summary>
    private void Track(BuddyStep step, BuddyOp op, MmError? error, BuddySnapshot? touched, StepLog log)
    {
        var (fellBack, freedOlder, merged) = (false, false, false);
        if (error is null && op is AllocPages alloc)
        {
            var block = new Block(_lastPfn!.Value, alloc.Order);
            _blocks.Take(block);
            fellBack = !HighestAllowed(alloc.HighestZone).Contains(block.Pfn);
        }
        else if (error is null && op is FreePages free)
        {
            var index = LiveIndexOf(free.Pfn);
            _lastFreesInARow = step is FreeLast ? _lastFreesInARow + 1 : 0;
            freedOlder = index < _blocks.Count - 1;
            _blocks.ConsumeAt(index);
            merged = free.Order.Value < Order.Max && touched is not null && InMaxOrderFreeBlock(touched, free.Pfn);
        }

        var reached = new BuddyStepReached(step, op, error, fellBack, _lastFreesInARow, freedOlder, merged);
        Scenario<BuddyStepReached>.Track(Scenarios, reached, log);
    }

    // The scenario bookkeeping below runs at every step: plain loops, where a lambda capturing the step would
    // allocate a closure each time.
    private Zone HighestAllowed(ZoneType highest)
    {
        var zones = impl.Layout.Zones;
        for (var i = zones.Length - 1; i >= 0; i--)
        {
            if (zones[i].Type <= highest)
            {
                return zones[i];
            }
        }

        throw new InvalidOperationException($"no zone up to {highest}: the model lets no allocation succeed there");
    }

    private int LiveIndexOf(Pfn pfn)
    {
        var live = _blocks.Live;
        for (var i = 0; i < live.Count; i++)
        {
            if (live[i].Pfn == pfn)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool InMaxOrderFreeBlock(BuddySnapshot touched, Pfn pfn)
    {
        foreach (var block in touched.Free)
        {
            if (block.Order.Value == Order.Max && block.Contains(pfn))
            {
                return true;
            }
        }

        return false;
    }
}
