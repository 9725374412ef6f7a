//! The questions a study asks besides its items: the background questionnaire a panellist
//! answers once after consent ([`background`]) and round 1's open question, "is anything
//! missing?" ([`open`]), whose suggestions reach the next-round planner.

pub mod background;
pub mod open;

pub use background::{
    background, background_pending, save_background, BackgroundInput, BackgroundView, OptionView,
    QuestionView,
};
pub use open::{save_open_answer, OpenInput, OpenQuestionView, SavedOpen};
