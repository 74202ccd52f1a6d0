using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using Xunit;

namespace MMSpec.Properties.Paging;

/// <summary>The model and the implementation side by side, checked after every call.</summary>
internal sealed class PagingPair
{
    /// <summary>An address far from every mapping the scenarios make.</summary>
    public static readonly VirtAddr FarAway = new(0x4000_0000UL);

    public PagingPair(string format, ulong frames = 1024)
    {
        Format = PagingFormat.All.Single(f => f.Name == format);
        Model = new PagingModel(Format, new BuddyModel(MemoryLayout.Flat(frames)));
        Impl = new PagingSystem(Format, new BuddyAllocator(MemoryLayout.Flat(frames)));
        Check("construction");
    }

    public PagingFormat Format { get; }

    public PagingModel Model { get; }

    public PagingSystem Impl { get; }

    public Result<T> Do<T>(Func<IPagingSystem, Result<T>> call)
    {
        var expected = call(Model);
        var actual = call(Impl);
        Assert.Equal(expected, actual);
        Check($"{expected}");
        return actual;
    }

    /// <summary>A fresh pair and a first address space on it.</summary>
    public static (PagingPair Pair, AsId Mm) WithSpace(string format)
    {
        var pair = new PagingPair(format);
        return (pair, pair.Create());
    }

    public AsId Create() => Do(s => s.CreateAddressSpace()).Value;

    public byte Read(AsId mm, ulong addr) =>
        Do(s => s.Access(mm, new VirtAddr(addr), Access.Read, Privilege.User, 0)).Value;

    public byte Write(AsId mm, ulong addr, byte value) =>
        Do(s => s.Access(mm, new VirtAddr(addr), Access.Write, Privilege.User, value)).Value;

    private void Check(string after)
    {
        var impl = Impl.Snapshot();
        var diff = Model.Snapshot().DiffFrom(impl);
        Assert.True(diff is null, $"after {after}: {diff}");
        Assert.Empty(PagingInvariants.All(impl));
    }
}
