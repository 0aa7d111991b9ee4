//! kad beside Debian's keepalived 2.2.7 as the other router: both
//! directions of who is master, graceful and hard failover, PASS auth, v2
//! and v3. They must elect the same master and never both hold the VIP for
//! longer than one Master_Down_Interval.

use kad_integration::netns::{state_of, status, Lab};
use std::time::{Duration, Instant};

const VI: &str = "VI_1";

#[derive(Clone, Copy, Debug)]
enum Who {
    Kad,
    Keepalived,
}

struct Pair {
    lab: Lab,
    conf: std::path::PathBuf,
    procs: [Option<usize>; 2],
    who: [Who; 2],
    /// Longest time both held the VIP at once.
    overlap: Duration,
    mdi: Duration,
}

fn config(lab: &Lab, version: u8, advert: &str) -> String {
    let auth = if version == 2 {
        "  authentication {\n    auth_type PASS\n    auth_pass interop\n  }\n"
    } else {
        ""
    };
    format!(
        "global_defs {{\n  vrrp_version {version}\n}}\n\
         vrrp_instance {VI} {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 61\n\
         @h0 priority 150\n@h1 priority 100\n  advert_int {advert}\n{auth}\
           virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
        lab.ip(100)
    )
}

impl Pair {
    /// h0 has priority 150, h1 100; `who[h]` runs on host h.
    fn new(who: [Who; 2], version: u8, advert: &str, mdi: Duration) -> Pair {
        let lab = Lab::new(2);
        let conf = lab.write("k.conf", &config(&lab, version, advert));
        Pair {
            lab,
            conf,
            procs: [None, None],
            who,
            overlap: Duration::ZERO,
            mdi,
        }
    }

    fn start(&mut self, h: usize) {
        let id = format!("h{h}");
        self.procs[h] = Some(match self.who[h] {
            Who::Kad => self.lab.kad(h, &self.conf, &id),
            Who::Keepalived => self.lab.keepalived(h, &self.conf, &id),
        });
    }

    fn stop(&mut self, h: usize) {
        if let Some(p) = self.procs[h].take() {
            self.lab.signal(p, "TERM");
            assert!(
                self.lab.wait(p, Duration::from_secs(8)).is_some(),
                "{:?} on h{h} did not stop",
                self.who[h]
            );
        }
    }

    fn holders(&self) -> Vec<usize> {
        let vip = self.lab.ip(100);
        (0..2).filter(|&h| self.lab.has_addr(h, &vip)).collect()
    }

    /// Wait until exactly `h` holds the VIP, tracking overlaps meanwhile.
    fn settle_on(&mut self, h: usize, limit: Duration) -> Duration {
        let t = Instant::now();
        let mut both_since: Option<Instant> = None;
        let mut stable_since: Option<Instant> = None;
        loop {
            let hs = self.holders();
            if hs.len() == 2 {
                both_since.get_or_insert_with(Instant::now);
            } else if let Some(s) = both_since.take() {
                self.overlap = self.overlap.max(s.elapsed());
            }
            if hs == vec![h] {
                // Hold for a moment: a flap would show.
                let s = *stable_since.get_or_insert_with(Instant::now);
                if s.elapsed() > Duration::from_millis(1500) {
                    return t.elapsed();
                }
            } else {
                stable_since = None;
            }
            assert!(
                t.elapsed() < limit,
                "h{h} ({:?}) never became the only holder; holders {hs:?}\nkad/keepalived logs:\n{}\n{}",
                self.who[h],
                self.lab.log("kad0.log") + &self.lab.log("keepalived0.log"),
                self.lab.log("kad1.log") + &self.lab.log("keepalived1.log"),
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn check_overlap(&self) {
        assert!(
            self.overlap <= self.mdi,
            "both held the VIP for {:?} (> {:?})",
            self.overlap,
            self.mdi
        );
    }

    /// kad's own view must agree with who holds the VIP.
    fn kad_agrees(&self, master: usize) {
        for h in 0..2 {
            if let (Who::Kad, Some(_)) = (self.who[h], self.procs[h]) {
                let want = if h == master { "MASTER" } else { "BACKUP" };
                assert_eq!(
                    state_of(&self.lab.socket(h), VI).as_deref(),
                    Some(want),
                    "kad on h{h}"
                );
                if h != master {
                    let st = status(&self.lab.socket(h)).unwrap();
                    assert_eq!(
                        st.vrrp[0].master_addr.as_deref(),
                        Some(self.lab.ip(master as u8 + 1).as_str())
                    );
                    assert_eq!(
                        st.vrrp[0].stats.auth_failure + st.vrrp[0].stats.checksum_err,
                        0
                    );
                }
            }
        }
    }
}

/// The scenario both ways round: the higher priority wins, a graceful stop
/// hands over, a restart preempts back, a link failure hands over after
/// Master_Down_Interval, recovery preempts back.
fn scenario(who: [Who; 2], version: u8, advert: &str, mdi: Duration) {
    let mut p = Pair::new(who, version, advert, mdi);
    // The lower priority starts first and becomes master alone...
    p.start(1);
    p.settle_on(1, mdi * 3);
    // ...until the higher one preempts.
    p.start(0);
    p.settle_on(0, mdi * 3);
    p.kad_agrees(0);
    // Graceful failover and preempting back.
    p.stop(0);
    p.settle_on(1, mdi * 2);
    p.kad_agrees(1);
    p.start(0);
    p.settle_on(0, mdi * 3);
    // Hard failover: h0's link goes down.
    p.lab.link(0, false);
    let vip = p.lab.ip(100);
    let t = Instant::now();
    while !p.lab.has_addr(1, &vip) {
        assert!(t.elapsed() < mdi * 3, "no takeover after link down");
        std::thread::sleep(Duration::from_millis(20));
    }
    // (h0 cannot hear h1 now: it may keep its VIP until it notices.)
    p.lab.link(0, true);
    p.settle_on(0, mdi * 3);
    p.kad_agrees(0);
    p.check_overlap();
}

#[test]
fn v2_pass_kad_high_keepalived_low() {
    scenario(
        [Who::Kad, Who::Keepalived],
        2,
        "1",
        Duration::from_millis(3610),
    );
}

#[test]
fn v2_pass_keepalived_high_kad_low() {
    scenario(
        [Who::Keepalived, Who::Kad],
        2,
        "1",
        Duration::from_millis(3610),
    );
}

#[test]
fn v3_kad_high_keepalived_low() {
    scenario(
        [Who::Kad, Who::Keepalived],
        3,
        "0.5",
        Duration::from_millis(1805),
    );
}

#[test]
fn v3_keepalived_high_kad_low() {
    scenario(
        [Who::Keepalived, Who::Kad],
        3,
        "0.5",
        Duration::from_millis(1805),
    );
}
