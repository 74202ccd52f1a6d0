using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;

namespace MMSpec.Conformance.Reclaim;

/// <summary>
/// Rule names of the reclaim lockstep (docs/reclaim.md, "Rules"), and the error kinds its calls return.
/// </summary>
public static class ReclaimRules
{
    public const string NoDataLost = "no-data-lost";
    public const string BadInputRejected = "bad-input-rejected";
    public const string AnonKeptWithoutSwap = "anon-kept-without-swap";
    public const string PinnedFolioStays = "pinned-folio-stays";
    public const string ReclaimFreesWhenReclaimable = "reclaim-frees-when-reclaimable";
    public const string SwapRoundTrip = "swap-round-trip";
    public const string CompactionMakesTheBlock = "compaction-makes-the-block";
    public const string UnchangedOnError = SharedRules.UnchangedOnError;

    /// <summary>Every typed error a reclaim call can return, each of which the default campaign must reach.</summary>
    public static IReadOnlyList<Type> ErrorKinds { get; } =
    [
        typeof(UnknownAddressSpace), typeof(NoSuchCpu), typeof(NotMapped), typeof(WriteToReadOnly),
        typeof(NoSuchFilePage), typeof(ReclaimOutOfMemory), typeof(NotPinned), typeof(NotReclaimable),
        typeof(SwappinessOutOfRange), typeof(InvalidSwapAreaSize), typeof(InvalidSwapPriority),
        typeof(UnknownSwapArea), typeof(NoSuchZone), typeof(InvalidCompactOrder), typeof(InvalidOrder),
        typeof(OutOfMemory), typeof(NotKernelPage), typeof(BadSwapEntry),
    ];
}
