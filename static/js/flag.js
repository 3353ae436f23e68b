// Runs before the page is drawn: lets the stylesheet hide follow-up questions that the
// questionnaire script will manage. Without JavaScript they stay visible with a hint.
document.documentElement.classList.add("js");
