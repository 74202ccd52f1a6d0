using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using Xunit.Abstractions;

namespace MMSpec.Properties.Paging;

/// <summary>
/// The paging properties, every level, for each of the three formats: the implementation on the fast buddy allocator
/// against the model on the buddy model. Exactly the conformance kit's PagingExactSpecification, as an outside user
/// runs it.
/// </summary>
public abstract class PagingImplProperties(ITestOutputHelper output) : PagingExactSpecification(output)
{
    protected override IPagingSystem Create(PagingFormat format, MemoryLayout layout) =>
        new PagingSystem(format, new BuddyAllocator(layout));
}

/// <summary>2-level 32-bit paging.</summary>
public sealed class PagingTwoLevelProperties(ITestOutputHelper output) : PagingImplProperties(output)
{
    protected override PagingFormat Format => PagingFormat.TwoLevel;
}

/// <summary>4-level 48-bit paging.</summary>
public sealed class PagingFourLevelProperties(ITestOutputHelper output) : PagingImplProperties(output)
{
    protected override PagingFormat Format => PagingFormat.FourLevel;
}

/// <summary>5-level 57-bit paging.</summary>
public sealed class PagingFiveLevelProperties(ITestOutputHelper output) : PagingImplProperties(output)
{
    protected override PagingFormat Format => PagingFormat.FiveLevel;
}
