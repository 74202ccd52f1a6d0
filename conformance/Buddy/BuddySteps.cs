using MMSpec.Model.Buddy;

namespace MMSpec.Conformance.Buddy;

/// <summary>
/// A generated buddy operation. Live allocations are named by handle: #3 is the fourth live allocation (modulo
/// how many there are), resolved when the step runs, so a sequence stays meaningful while it shrinks.
/// </summary>
public abstract record BuddyStep
{
    /// <summary>Whether the step is meant to be rejected with a typed error (generated on purpose).</summary>
    public abstract bool IsInvalid { get; }
}

/// <summary>alloc_pages(order, highest zone); an order outside 0..10 is an invalid request.</summary>
public sealed record Alloc(int Order, ZoneType Zone) : BuddyStep
{
    public override bool IsInvalid => !new Order(Order).IsValid;

    public override string ToString() => $"alloc(order={Order}, zone<={ZoneNames.Of(Zone)})";
}

/// <summary>Free live allocation #Handle with its own order.</summary>
public sealed record Free(int Handle) : BuddyStep
{
    public override bool IsInvalid => false;

    public override string ToString() => $"free(#{Handle})";
}

/// <summary>Free the newest live allocation: runs of these free in reverse order.</summary>
public sealed record FreeLast : BuddyStep
{
    public override bool IsInvalid => false;

    public override string ToString() => "free(#last)";
}

/// <summary>Free live allocation #Handle with its order plus Delta (Delta != 0): wrong or invalid order.</summary>
public sealed record FreeWrongOrder(int Handle, int Delta) : BuddyStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"free_wrong_order(#{Handle}, order{Delta:+0;-0})";
}

/// <summary>Free a frame inside live allocation #Handle, not its first frame, as order 0.</summary>
public sealed record FreeInterior(int Handle, int Offset) : BuddyStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"free_interior(#{Handle}, +{Offset})";
}

/// <summary>Free again the block freed #Handle-th most recently.</summary>
public sealed record FreeAgain(int Handle) : BuddyStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"free_again(#{Handle})";
}

/// <summary>free_pages on an arbitrary pfn and order: out of range, misaligned, reserved, across zones ...</summary>
public sealed record FreeRaw(ulong Pfn, int Order) : BuddyStep
{
    public override bool IsInvalid => true;

    public override string ToString() => $"free_pages(pfn=0x{Pfn:x}, order={Order})";
}
