//! E-mail alerts (issue 12 point 8): kad in a network namespace mails a
//! real SMTP server (aiosmtpd, `integration/smtp/sink.py`) on loopback on
//! VRRP and checker transitions, with keepalived 2.2.7's subjects, bodies
//! and headers; an SMTP server that never answers (or is not there) does
//! not delay VRRP; keepalived itself, run with the same configuration
//! against the same server, sends the same mails.

use kad_integration::netns::{state_of, wait_for, Capture, Lab};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn python() -> &'static str {
    // Debian's interpreter: python3-aiosmtpd installs for it.
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// A process in a lab namespace, killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_in(lab: &Lab, h: usize, args: &[&str], log: &Path) -> Proc {
    let out = std::fs::File::create(log).expect("log");
    let child = Command::new("ip")
        .args(["netns", "exec", &lab.ns(h)])
        .args(args)
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("log"))
        .stderr(out)
        .spawn()
        .expect("spawn");
    Proc(child)
}

fn sink_script() -> String {
    kad_integration::root()
        .join("integration/smtp/sink.py")
        .display()
        .to_string()
}

/// aiosmtpd on 127.0.0.1:`port` in host h, writing mails to `dir`.
fn smtp_sink(lab: &Lab, h: usize, port: u16, dir: &Path) -> Proc {
    std::fs::create_dir_all(dir).expect("mail dir");
    let log = lab.dir.path().join(format!("sink{h}-{port}.log"));
    let p = spawn_in(
        lab,
        h,
        &[
            python(),
            &sink_script(),
            "sink",
            "127.0.0.1",
            &port.to_string(),
            &dir.display().to_string(),
        ],
        &log,
    );
    assert!(
        wait_for(Duration::from_secs(10), || std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("ready")),
        "the SMTP sink did not start (is python3-aiosmtpd installed?): {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    p
}

/// A TCP server on 127.0.0.1:`port` that accepts and never answers.
fn blackhole(lab: &Lab, h: usize, port: u16) -> Proc {
    let log = lab.dir.path().join(format!("blackhole{h}.log"));
    let p = spawn_in(
        lab,
        h,
        &[
            python(),
            &sink_script(),
            "blackhole",
            "127.0.0.1",
            &port.to_string(),
        ],
        &log,
    );
    assert!(wait_for(Duration::from_secs(10), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("ready")
    }));
    p
}

/// A real server for TCP_CHECK: a TCP listener on 127.0.0.1:`port`.
fn tcp_server(lab: &Lab, h: usize, port: u16) -> Proc {
    let log = lab.dir.path().join(format!("tcp{h}.log"));
    let p = spawn_in(
        lab,
        h,
        &[
            python(),
            "-c",
            &format!(
                "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('127.0.0.1',{port}))\ns.listen(64)\nprint('ready',flush=True)\nwhile True:\n  c,_=s.accept()\n  c.close()\n"
            ),
        ],
        &log,
    );
    assert!(wait_for(Duration::from_secs(10), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("ready")
    }));
    p
}

#[derive(Debug, Clone, PartialEq)]
struct Received {
    helo: String,
    mail_from: String,
    rcpt_tos: Vec<String>,
    data: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next()?;
        head.split("\r\n")
            .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
    }
    fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }
    fn body(&self) -> String {
        self.data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.trim_end().to_string())
            .unwrap_or_default()
    }
    /// The headers' names in order.
    fn header_names(&self) -> Vec<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        head.split("\r\n")
            .filter_map(|l| l.split_once(": ").map(|(n, _)| n.to_string()))
            .collect()
    }
}

/// The mails received so far, in arrival order.
fn mails(dir: &Path) -> Vec<Received> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter_map(|p| {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
            Some(Received {
                helo: v["helo"].as_str()?.to_string(),
                mail_from: v["mail_from"].as_str()?.to_string(),
                rcpt_tos: v["rcpt_tos"]
                    .as_array()?
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                data: v["data"].as_str()?.to_string(),
            })
        })
        .collect()
}

fn subjects(dir: &Path) -> Vec<String> {
    mails(dir).iter().map(Received::subject).collect()
}

fn wait_subject(dir: &Path, want: &str, limit: Duration) -> bool {
    wait_for(limit, || subjects(dir).iter().any(|s| s == want))
}

fn globals(port: u16, extra: &str) -> String {
    format!(
        "global_defs {{\n  router_id kadtest\n  notification_email {{\n    ops@example.com\n    noc@example.com\n  }}\n  \
         notification_email_from kad@example.com\n  smtp_server 127.0.0.1 {port}\n  smtp_helo_name lb1.example.com\n  \
         smtp_connect_timeout 5\n{extra}}}\n"
    )
}

/// VI_1 with `smtp_alert`, VI_2 without (unset everywhere: no mail).
fn vrrp_part(lab: &Lab) -> String {
    format!(
        "vrrp_instance VI_1 {{\n  interface eth0\n  virtual_router_id 42\n  priority 150\n  advert_int 1\n  smtp_alert\n  \
         virtual_ipaddress {{\n    {}/24\n  }}\n}}\n\
         vrrp_instance VI_2 {{\n  interface eth0\n  virtual_router_id 43\n  priority 150\n  advert_int 1\n  \
         virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
        lab.ip(100),
        lab.ip(101)
    )
}

#[test]
fn vrrp_and_checker_transitions_mail_keepalived_texts() {
    let mut lab = Lab::new(1);
    let dir = lab.dir.path().join("mail");
    let _sink = smtp_sink(&lab, 0, 2525, &dir);
    let mut server = Some(tcp_server(&lab, 0, 8080));
    // The real server has no smtp_alert and neither has global_defs:
    // keepalived's default for real servers is on; for the virtual server
    // (quorum mails) it is off.
    let conf = format!(
        "{}{}virtual_server {} 80 {{\n  delay_loop 1\n  lb_kind NAT\n  protocol TCP\n  \
         real_server 127.0.0.1 8080 {{\n    TCP_CHECK {{\n      connect_timeout 1\n      retry 0\n    }}\n  }}\n  \
         real_server 127.0.0.2 80 {{\n    MISC_CHECK {{\n      misc_path /bin/true\n    }}\n  }}\n}}\n",
        globals(2525, ""),
        vrrp_part(&lab),
        lab.ip(100)
    );
    let c = lab.write("k.conf", &conf);
    let kad = lab.kad(0, &c, "h0");
    let master = "[kadtest] VRRP Instance VI_1 - Entering MASTER state";
    assert!(
        wait_subject(&dir, master, Duration::from_secs(10)),
        "no MASTER mail: {:?}\n{}",
        subjects(&dir),
        lab.log("kad0.log")
    );
    let vrrp: Vec<Received> = mails(&dir)
        .into_iter()
        .filter(|m| m.subject().contains("VRRP"))
        .collect();
    let got: Vec<(String, String)> = vrrp.iter().map(|m| (m.subject(), m.body())).collect();
    assert_eq!(
        got,
        vec![
            (
                "[kadtest] VRRP Instance VI_1 - Entering BACKUP state".to_string(),
                "=> VRRP Instance is no longer owning VRRP VIPs <=".to_string()
            ),
            (
                master.to_string(),
                "=> VRRP Instance is now owning VRRP VIPs <=".to_string()
            ),
        ],
        "VI_2 has no smtp_alert: no mail for it"
    );
    let m = &vrrp[1];
    assert_eq!(m.helo, "lb1.example.com");
    assert_eq!(m.mail_from, "kad@example.com");
    assert_eq!(m.rcpt_tos, vec!["ops@example.com", "noc@example.com"]);
    assert_eq!(
        m.header_names(),
        vec!["Date", "From", "Subject", "X-Mailer", "To"]
    );
    assert_eq!(m.header("From").as_deref(), Some("kad@example.com"));
    assert_eq!(m.header("X-Mailer").as_deref(), Some("Keepalived"));
    assert_eq!(
        m.header("To").as_deref(),
        Some("ops@example.com, noc@example.com")
    );
    let date = m.header("Date").unwrap_or_default();
    // "Wed, 02 Dec 2026 05:04:37 +0000"
    assert_eq!(date.len(), 31, "date {date:?}");
    assert_eq!(&date[3..5], ", ");
    // MISC_CHECK mails its first pass (keepalived does), TCP_CHECK not.
    let misc = format!(
        "[kadtest] Realserver [127.0.0.2]:tcp:80 of virtual server [{}]:tcp:80 - UP",
        lab.ip(100)
    );
    assert!(
        wait_subject(&dir, &misc, Duration::from_secs(5)),
        "no MISC mail: {:?}",
        subjects(&dir)
    );
    let m = mails(&dir)
        .into_iter()
        .find(|m| m.subject() == misc)
        .expect("misc mail");
    assert_eq!(m.body(), "=> MISC CHECK succeeded on service <=");
    // The TCP checker started up on a live server: no mail. Stop the server.
    let rs = format!(
        "[kadtest] Realserver [127.0.0.1]:tcp:8080 of virtual server [{}]:tcp:80",
        lab.ip(100)
    );
    assert!(!subjects(&dir).iter().any(|s| s.starts_with(&rs)));
    server.take();
    let down = format!("{rs} - DOWN");
    assert!(
        wait_subject(&dir, &down, Duration::from_secs(10)),
        "no DOWN mail: {:?}\n{}",
        subjects(&dir),
        lab.log("kad0.log")
    );
    let m = mails(&dir)
        .into_iter()
        .find(|m| m.subject() == down)
        .expect("down mail");
    assert_eq!(m.body(), "=> TCP CHECK failed on service <=");
    let _server = tcp_server(&lab, 0, 8080);
    let up = format!("{rs} - UP");
    assert!(
        wait_subject(&dir, &up, Duration::from_secs(10)),
        "no UP mail: {:?}\n{}",
        subjects(&dir),
        lab.log("kad0.log")
    );
    let m = mails(&dir)
        .into_iter()
        .find(|m| m.subject() == up)
        .expect("up mail");
    assert_eq!(m.body(), "=> TCP CHECK succeed on service <=");
    assert!(
        !subjects(&dir).iter().any(|s| s.contains("Virtualserver")),
        "quorum mails are off by default: {:?}",
        subjects(&dir)
    );
    assert_eq!(mails(&dir).len(), 5, "{:?}", subjects(&dir));
    // A reload that removes the live TCP server: "=> Removing <=".
    let misc_rs =
        "  real_server 127.0.0.2 80 {\n    MISC_CHECK {\n      misc_path /bin/true\n    }\n  }\n";
    let reloaded = format!(
        "{}{}virtual_server {} 80 {{\n  delay_loop 1\n  lb_kind NAT\n  protocol TCP\n{misc_rs}}}\n",
        globals(2525, ""),
        vrrp_part(&lab),
        lab.ip(100)
    );
    lab.write("k.conf", &reloaded);
    lab.signal(kad, "HUP");
    let removed = format!("{rs} - DOWN");
    assert!(
        wait_for(Duration::from_secs(10), || mails(&dir).len() == 6),
        "no mail for the reload: {:?}\n{}",
        subjects(&dir),
        lab.log("kad0.log")
    );
    let m = mails(&dir).pop().expect("removal mail");
    assert_eq!(
        (m.subject(), m.body()),
        (removed, "=> Removing <=".to_string())
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(mails(&dir).len(), 6, "{:?}", subjects(&dir));
}

/// `smtp_alert off` on the real server silences it; global `smtp_alert`
/// turns the virtual server's quorum mails on.
#[test]
fn switches_choose_what_is_mailed() {
    let mut lab = Lab::new(1);
    let dir = lab.dir.path().join("mail");
    let _sink = smtp_sink(&lab, 0, 2525, &dir);
    let mut servers = vec![tcp_server(&lab, 0, 8080), tcp_server(&lab, 0, 8081)];
    let conf = format!(
        "{}virtual_server {} 80 {{\n  delay_loop 1\n  lb_kind NAT\n  protocol TCP\n  quorum 2\n  \
         real_server 127.0.0.1 8080 {{\n    smtp_alert off\n    TCP_CHECK {{\n      connect_timeout 1\n      retry 0\n    }}\n  }}\n  \
         real_server 127.0.0.1 8081 {{\n    TCP_CHECK {{\n      connect_timeout 1\n      retry 0\n    }}\n  }}\n}}\n\
         virtual_server {} 81 {{\n  delay_loop 1\n  lb_kind NAT\n  protocol TCP\n  alpha\n  \
         real_server 127.0.0.1 9 {{\n    TCP_CHECK {{\n      connect_timeout 1\n      retry 0\n    }}\n  }}\n}}\n",
        globals(2525, "  smtp_alert\n  smtp_alert_vrrp off\n"),
        lab.ip(100),
        lab.ip(100)
    );
    let c = lab.write("k.conf", &conf);
    lab.kad(0, &c, "h0");
    // The alpha server starts down: its service starts without quorum
    // (mailed); its checker failing then changes nothing (not mailed).
    let start = format!("[kadtest] Virtualserver [{}]:tcp:81 - DOWN", lab.ip(100));
    assert!(
        wait_subject(&dir, &start, Duration::from_secs(5)),
        "no start-up quorum mail: {:?}\n{}",
        subjects(&dir),
        lab.log("kad0.log")
    );
    let m = mails(&dir).pop().expect("start mail");
    assert_eq!(m.body(), "=> Starting with quorum down 1+0=1 <= 0 <=");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        subjects(&dir),
        vec![start.clone()],
        "nothing else changed yet"
    );
    servers.remove(0);
    let vs = format!("[kadtest] Virtualserver [{}]:tcp:80 - DOWN", lab.ip(100));
    assert!(
        wait_subject(&dir, &vs, Duration::from_secs(10)),
        "no quorum mail: {:?}\n{}",
        subjects(&dir),
        lab.log("kad0.log")
    );
    let m = mails(&dir)
        .into_iter()
        .find(|m| m.subject() == vs)
        .expect("quorum mail");
    assert_eq!(m.body(), "=> Lost quorum 2+0=2 <= 1 <=");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        subjects(&dir),
        vec![start, vs],
        "the real server with smtp_alert off sends none"
    );
}

/// Adverts of `vrid` seen in a tcpdump reading: their times in seconds.
/// (`tcpdump -v` puts the time on the line before the VRRP one.)
fn advert_times(text: &str, vrid: u8) -> Vec<f64> {
    let mut last = None;
    let mut out = Vec::new();
    for l in text.lines() {
        if let Some(t) = l
            .split_whitespace()
            .next()
            .and_then(|w| w.parse::<f64>().ok())
        {
            last = Some(t);
        }
        if l.contains(&format!("vrid {vrid}, prio 150")) {
            out.extend(last.take());
        }
    }
    out
}

/// An SMTP server that accepts and never answers (h0), or none at all
/// (h1): VRRP keeps its schedule. h0 has more mails to send than the
/// queue holds, so some are dropped with a log line.
#[test]
fn a_silent_or_missing_smtp_server_does_not_delay_vrrp() {
    const N: u8 = 30;
    let mut lab = Lab::new(2);
    let _hole = blackhole(&lab, 0, 2526);
    let mut insts = String::new();
    for i in 1..=N {
        insts.push_str(&format!(
            "vrrp_instance V{i} {{\n  interface eth0\n  virtual_router_id {i}\n@h0  priority 150\n@h1  priority 100\n  advert_int 1\n  \
             virtual_ipaddress {{\n    10.{}.1.{i}/24\n  }}\n}}\n",
            lab.net
        ));
    }
    let conf = format!(
        "@h0 $PORT=2526\n@h1 $PORT=2527\nglobal_defs {{\n  router_id kadtest\n  notification_email {{\n    ops@example.com\n  }}\n  \
         smtp_server 127.0.0.1 $PORT\n  smtp_connect_timeout 30\n  smtp_alert\n}}\n{insts}"
    );
    let c = lab.write("k.conf", &conf);
    let cap = Capture::start(&lab, 1, "ip proto 112");
    lab.kad(1, &c, "h1");
    let t0 = Instant::now();
    lab.kad(0, &c, "h0");
    let all_master = |lab: &Lab| {
        (1..=N).all(|i| state_of(&lab.socket(0), &format!("V{i}")).as_deref() == Some("MASTER"))
    };
    assert!(
        wait_for(Duration::from_secs(6), || all_master(&lab)),
        "h0 not master of all instances in time:\n{}",
        lab.log("kad0.log")
    );
    // keepalived's master-down interval at priority 150 is 3.41 s.
    assert!(
        t0.elapsed() < Duration::from_millis(5500),
        "took {:?}",
        t0.elapsed()
    );
    // For the next 6 s h1 stays backup everywhere: h0's adverts arrive.
    let end = Instant::now() + Duration::from_secs(6);
    while Instant::now() < end {
        for i in 1..=N {
            let st = state_of(&lab.socket(1), &format!("V{i}"));
            assert_eq!(
                st.as_deref(),
                Some("BACKUP"),
                "h1 V{i} took over:\n{}",
                lab.log("kad1.log")
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let text = cap.stop();
    for vrid in [1, N] {
        let times = advert_times(&text, vrid);
        let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps.len() >= 5, "vrid {vrid}: {} adverts", times.len());
        let worst = gaps.iter().cloned().fold(0.0, f64::max);
        assert!(worst < 1.25, "vrid {vrid}: an advert gap of {worst:.3} s");
    }
    let log0 = lab.log("kad0.log");
    assert!(
        log0.contains("SMTP alert queue full"),
        "h0 should have dropped mails:\n{log0}"
    );
    let log1 = lab.log("kad1.log");
    assert!(
        log1.contains("failed") && log1.contains("127.0.0.1:2527"),
        "h1 should log the refused connection:\n{log1}"
    );
}

/// keepalived 2.2.7 (`--vrrp`) and kad with the same configuration and
/// the same SMTP server: the same mails (subjects, bodies, headers but
/// the date, envelope, HELO name), for instances and a sync group.
#[test]
fn keepalived_sends_the_same_mails() {
    // VI_1 as above; a sync group G with smtp_alert over VI_3 (which has
    // its own) and VI_4 (which has none).
    let conf_of = |lab: &Lab| {
        format!(
            "{}{}vrrp_sync_group G {{\n  group {{\n    VI_3\n    VI_4\n  }}\n  smtp_alert\n}}\n\
             vrrp_instance VI_3 {{\n  interface eth0\n  virtual_router_id 44\n  priority 150\n  advert_int 1\n  smtp_alert\n  \
             virtual_ipaddress {{\n    {}/24\n  }}\n}}\n\
             vrrp_instance VI_4 {{\n  interface eth0\n  virtual_router_id 45\n  priority 150\n  advert_int 1\n  \
             virtual_ipaddress {{\n    {}/24\n  }}\n}}\n",
            globals(2525, ""),
            vrrp_part(lab),
            lab.ip(102),
            lab.ip(103)
        )
    };
    let run = |keepalived: bool| -> Vec<Received> {
        let mut lab = Lab::new(1);
        let dir = lab.dir.path().join("mail");
        let _sink = smtp_sink(&lab, 0, 2525, &dir);
        let c = lab.write("k.conf", &conf_of(&lab));
        if keepalived {
            lab.keepalived(0, &c, "h0");
        } else {
            lab.kad(0, &c, "h0");
        }
        let master = "[kadtest] VRRP Group G - Entering MASTER state";
        assert!(
            wait_subject(&dir, master, Duration::from_secs(10)),
            "keepalived={keepalived}: {:?}\n{}{}",
            subjects(&dir),
            lab.log("kad0.log"),
            lab.log("keepalived0.log")
        );
        // Anything else would come now.
        std::thread::sleep(Duration::from_secs(2));
        mails(&dir)
    };
    let ka = run(true);
    let kad = run(false);
    // (HELO name, sender, recipients, headers but Date, body)
    type Seen = (String, String, Vec<String>, Vec<String>, String);
    let strip = |ms: &[Received]| -> Vec<Seen> {
        ms.iter()
            .map(|m| {
                let head: Vec<String> = m
                    .data
                    .split("\r\n\r\n")
                    .next()
                    .unwrap_or("")
                    .split("\r\n")
                    .filter(|l| !l.starts_with("Date: "))
                    .map(str::to_string)
                    .collect();
                (
                    m.helo.clone(),
                    m.mail_from.clone(),
                    m.rcpt_tos.clone(),
                    head,
                    m.body(),
                )
            })
            .collect()
    };
    let ka_subjects: Vec<String> = ka.iter().map(Received::subject).collect();
    assert_eq!(ka.len(), 6, "{ka_subjects:?}");
    for want in [
        "[kadtest] VRRP Instance VI_1 - Entering MASTER state",
        "[kadtest] VRRP Instance VI_3 - Entering BACKUP state",
        "[kadtest] VRRP Group G - Entering BACKUP state",
    ] {
        assert!(ka_subjects.iter().any(|s| s == want), "{ka_subjects:?}");
    }
    // The same mails; the order of those sent at the same moment is free.
    let (mut a, mut b) = (strip(&kad), strip(&ka));
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

/// `no_email_faults`: the FAULT transition is not mailed; the BACKUP after
/// it is (MASTER was the last mail), then MASTER again.
#[test]
fn no_email_faults_leaves_out_fault() {
    let mut lab = Lab::new(1);
    let dir = lab.dir.path().join("mail");
    let _sink = smtp_sink(&lab, 0, 2525, &dir);
    let conf = format!(
        "{}{}",
        globals(2525, "  no_email_faults\n"),
        vrrp_part(&lab)
    );
    let c = lab.write("k.conf", &conf);
    lab.kad(0, &c, "h0");
    let master = "[kadtest] VRRP Instance VI_1 - Entering MASTER state";
    assert!(
        wait_subject(&dir, master, Duration::from_secs(10)),
        "{:?}\n{}",
        subjects(&dir),
        lab.log("kad0.log")
    );
    lab.link(0, false);
    assert!(
        wait_for(Duration::from_secs(5), || state_of(&lab.socket(0), "VI_1")
            .as_deref()
            == Some("FAULT")),
        "{}",
        lab.log("kad0.log")
    );
    lab.link(0, true);
    assert!(
        wait_for(Duration::from_secs(10), || subjects(&dir)
            .iter()
            .filter(|s| *s == master)
            .count()
            == 2),
        "{:?}\n{}",
        subjects(&dir),
        lab.log("kad0.log")
    );
    assert_eq!(
        subjects(&dir),
        vec![
            "[kadtest] VRRP Instance VI_1 - Entering BACKUP state",
            master,
            "[kadtest] VRRP Instance VI_1 - Entering BACKUP state",
            master,
        ]
    );
}
