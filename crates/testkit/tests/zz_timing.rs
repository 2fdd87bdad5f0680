#![allow(missing_docs, clippy::unwrap_used)]
use std::time::Instant;
#[test]
fn timing() {
    let d = switchboard_testkit::Dovecot::start(&[("alice", "secret")]);
    let s = std::net::TcpStream::connect(("127.0.0.1", d.imap_port())).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    std::fs::copy(d.dir().join("dovecot.conf"), "/tmp/sbtk-probe.conf").unwrap();
    let out = std::process::Command::new("sh").arg("-c").arg(format!("ps -eo pid,ppid,stat,etimes,args | grep {} | grep -v grep", d.dir().file_name().unwrap().to_str().unwrap())).output().unwrap();
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    let mut d = d;
    let name = d.dir().file_name().unwrap().to_str().unwrap().to_owned();
    let h = std::thread::spawn(move || {
        for _ in 0..14 {
            std::thread::sleep(std::time::Duration::from_millis(500));
            let out = std::process::Command::new("sh").arg("-c").arg(format!("date +%T.%N; ps -eo pid,ppid,stat,args | grep {name} | grep -v grep")).output().unwrap();
            eprintln!("{}", String::from_utf8_lossy(&out.stdout));
        }
    });
    let t = Instant::now();
    d.stop();
    eprintln!("stop with conn {:?}", t.elapsed());
    drop(s);
    h.join().unwrap();
    eprintln!("{}", d.log());
}
