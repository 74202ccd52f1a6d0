using MMSpec.Model.Slab;
using Xunit;

namespace MMSpec.Properties.Slab;

/// <summary>Level 3: the kmalloc cache for every size 0..8192, every one of them (not a sample), is Linux's.</summary>
public sealed class KmallocTableTests
{
    [Fact]
    public void Spec_rule_gives_linux_kmalloc_slab_for_every_size()
    {
        var wrong = Enumerable.Range(1, (int)KmallocSizes.MaxCacheSize).Select(s => (ulong)s)
            .Where(s => KmallocSizes.NameOf(KmallocSizes.CacheSizes[KmallocSizes.IndexOf(s)])
                != SlabRules.LinuxKmallocCache(s))
            .ToList();
        Assert.Empty(wrong);
    }

    [Theory]
    [MemberData(nameof(SlabSides.Sides), MemberType = typeof(SlabSides))]
    public void Kmalloc_uses_linux_cache_for_every_size_0_to_8192(string side)
    {
        var slab = SlabSides.Create(side, 64);
        Assert.Equal(KmallocSizes.ZeroSizePtr, slab.Kmalloc(0).Value);
        var wrong = new List<string>();
        for (var size = 1UL; size <= KmallocSizes.MaxCacheSize; size++)
        {
            var addr = slab.Kmalloc(size).Value;
            var used = KmallocSizes.NameOf(slab.Ksize(addr).Value);
            if (used != SlabRules.LinuxKmallocCache(size))
            {
                wrong.Add($"kmalloc({size}) used {used}, Linux uses {SlabRules.LinuxKmallocCache(size)}");
            }

            Assert.True(slab.Kfree(addr).IsOk);
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public void Linux_table_has_the_96_and_192_classes_at_their_edges()
    {
        Assert.Equal(
            ["kmalloc-8", "kmalloc-8", "kmalloc-16", "kmalloc-64", "kmalloc-96", "kmalloc-96", "kmalloc-128",
             "kmalloc-128", "kmalloc-192", "kmalloc-192", "kmalloc-256", "kmalloc-8k"],
            new ulong[] { 1, 8, 9, 64, 65, 96, 97, 128, 129, 192, 193, 8192 }.Select(SlabRules.LinuxKmallocCache));
    }
}
